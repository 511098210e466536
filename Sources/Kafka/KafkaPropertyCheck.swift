import CRdKafka

/// Asks librdkafka whether it knows a property and accepts its value, without making a client:
/// start-up checks the operator's `KAFKA_CONFIG_*` settings with it, so a typo stops the worker
/// with one line naming the variable instead of failing later inside client creation.
public enum KafkaPropertyCheck {
    /// librdkafka's reason for refusing `name = value`, or nil when it accepts it. The value
    /// is cut out of the reason: it may be a password.
    public static func problem(name: String, value: String) -> String? {
        guard let conf = rd_kafka_conf_new() else { return "rd_kafka_conf_new failed" }
        defer { rd_kafka_conf_destroy(conf) }
        var errstr = [CChar](repeating: 0, count: 512)
        guard rd_kafka_conf_set(conf, name, value, &errstr, errstr.count) != RD_KAFKA_CONF_OK else { return nil }
        var reason = RDKafkaConfig.string(errstr)
        if !value.isEmpty { reason = reason.replacingOccurrences(of: value, with: "…") }
        return reason
    }
}
