import Simulator

/// `sample` with one to four bytes replaced, removed or inserted from `alphabet`, at seeded
/// random places: the mutated inputs of the parsing tests (vendor answers, multipart bodies).
public func mutated(_ sample: [UInt8], alphabet: [UInt8], random: inout SplitMix64) -> [UInt8] {
    var body = sample
    for _ in 0..<(1 + Int(random.next() % 4)) {
        let position = Int(random.next() % UInt64(body.count))
        switch random.next() % 3 {
        case 0: body[position] = alphabet[Int(random.next() % UInt64(alphabet.count))]
        case 1: body.remove(at: position)
        default: body.insert(alphabet[Int(random.next() % UInt64(alphabet.count))], at: position)
        }
    }
    return body
}
