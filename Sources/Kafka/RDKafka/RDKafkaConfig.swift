import CRdKafka

/// Turns a property dictionary into an `rd_kafka_conf_t`: the one place where properties are validated.
enum RDKafkaConfig {
    /// Merges `forced` over `properties` over `defaults`: operators may override defaults but not
    /// the settings this module's correctness depends on.
    static func merge(
        _ properties: [String: String], defaults: [String: String], forced: [String: String] = [:]
    ) -> [String: String] {
        defaults.merging(properties) { _, given in given }.merging(forced) { _, forced in forced }
    }

    /// Returns a new `rd_kafka_conf_t`; the caller owns it until `rd_kafka_new` succeeds.
    static func make(_ properties: [String: String]) throws(KafkaError) -> OpaquePointer {
        guard let conf = rd_kafka_conf_new() else {
            throw KafkaError(RD_KAFKA_RESP_ERR__FAIL, reason: "rd_kafka_conf_new failed")
        }
        // Sorted so the property named in an error does not depend on dictionary order.
        for (name, value) in properties.sorted(by: { $0.key < $1.key }) {
            var errstr = [CChar](repeating: 0, count: 512)
            let result = rd_kafka_conf_set(conf, name, value, &errstr, errstr.count)
            guard result == RD_KAFKA_CONF_OK else {
                rd_kafka_conf_destroy(conf)
                throw KafkaError(
                    RD_KAFKA_RESP_ERR__INVALID_ARG,
                    reason: "invalid Kafka property '\(name)': \(string(errstr))"
                )
            }
        }
        return conf
    }

    /// The text librdkafka wrote into an `errstr` buffer.
    static func string(_ errstr: [CChar]) -> String {
        String(decoding: errstr.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
