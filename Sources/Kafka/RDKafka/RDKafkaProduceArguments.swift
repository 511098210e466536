import CRdKafka

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The `rd_kafka_vu_t` array for one `rd_kafka_produceva` call, with C copies of every string and
/// buffer it points to. The copies live as long as this value, i.e. across the call; librdkafka
/// copies what it keeps (RD_KAFKA_MSG_F_COPY, header values), so nothing is needed afterwards.
final class RDKafkaProduceArguments {
    private(set) var values: [rd_kafka_vu_t] = []
    private var allocations: [UnsafeMutableRawPointer] = []

    init(topic: String, partition: Int32?, key: [UInt8]?, value: [UInt8]?, headers: [KafkaHeader], opaque: UInt) {
        append(.topic) { $0.u.cstr = UnsafePointer(copy(topic)) }
        if let partition { append(.partition) { $0.u.i32 = partition } }
        append(.msgflags) { $0.u.i = RD_KAFKA_MSG_F_COPY }
        // nil is a null payload (a tombstone); an empty array an empty one: Kafka keeps them apart.
        let valueCopy = value.map { copy($0, keepEmpty: true) } ?? nil
        append(.value) {
            $0.u.mem.ptr = valueCopy
            $0.u.mem.size = value?.count ?? 0
        }
        if let key {
            let keyCopy = copy(key, keepEmpty: true)
            append(.key) {
                $0.u.mem.ptr = keyCopy
                $0.u.mem.size = key.count
            }
        }
        for header in headers {
            let name = copy(header.key)
            let headerValue = header.value.map { copy($0, keepEmpty: true) }
            append(.header) {
                $0.u.header.name = UnsafePointer(name)
                $0.u.header.val = UnsafeRawPointer(headerValue ?? nil)
                $0.u.header.size = header.value?.count ?? 0
            }
        }
        append(.opaque) { $0.u.ptr = UnsafeMutableRawPointer(bitPattern: opaque) }
    }

    deinit {
        for pointer in allocations { free(pointer) }
    }

    private enum VType {
        case topic, partition, msgflags, value, key, header, opaque

        var rd: rd_kafka_vtype_t {
            switch self {
            case .topic: RD_KAFKA_VTYPE_TOPIC
            case .partition: RD_KAFKA_VTYPE_PARTITION
            case .msgflags: RD_KAFKA_VTYPE_MSGFLAGS
            case .value: RD_KAFKA_VTYPE_VALUE
            case .key: RD_KAFKA_VTYPE_KEY
            case .header: RD_KAFKA_VTYPE_HEADER
            case .opaque: RD_KAFKA_VTYPE_OPAQUE
            }
        }
    }

    private func append(_ type: VType, _ fill: (inout rd_kafka_vu_t) -> Void) {
        var vu = rd_kafka_vu_t()
        vu.vtype = type.rd
        fill(&vu)
        values.append(vu)
    }

    private func copy(_ string: String) -> UnsafeMutablePointer<CChar> {
        let pointer = strdup(string)!
        allocations.append(pointer)
        return pointer
    }

    /// A malloc'd copy of `bytes`. An empty array gives nil (librdkafka then sends null) unless
    /// `keepEmpty`, for keys and header values where Kafka keeps empty and null apart.
    private func copy(_ bytes: [UInt8], keepEmpty: Bool = false) -> UnsafeMutableRawPointer? {
        guard !bytes.isEmpty || keepEmpty else { return nil }
        let pointer = malloc(max(bytes.count, 1))!
        bytes.withUnsafeBytes { if let base = $0.baseAddress { pointer.copyMemory(from: base, byteCount: bytes.count) } }
        allocations.append(pointer)
        return pointer
    }
}
