import Synchronization

/// SplitMix64: a small, seedable generator, so a chaos run's choices repeat with its seed.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// One seeded generator shared by the run's concurrent tasks.
final class ChaosRandom: Sendable {
    private let generator: Mutex<SeededGenerator>

    init(seed: UInt64) { generator = Mutex(SeededGenerator(seed: seed)) }

    func int(in range: ClosedRange<Int>) -> Int { generator.withLock { Int.random(in: range, using: &$0) } }

    func double(in range: ClosedRange<Double>) -> Double { generator.withLock { Double.random(in: range, using: &$0) } }

    func milliseconds(in range: ClosedRange<Int>) -> Duration { .milliseconds(int(in: range)) }

    func element<T>(of items: [T]) -> T? {
        guard !items.isEmpty else { return nil }
        return items[int(in: 0...(items.count - 1))]
    }
}
