import Foundation

/// The images a bench run's requests point to: a few ID cards (JPEG) and selfies (PNG) of the
/// chosen size, and one small OkayCam bundle. Only the magic bytes are real, the rest is filler:
/// the simulator sniffs the format and derives its scores from the bytes, so different files
/// give a mix of decisions.
struct BenchImages: Sendable {
    static let people = 4

    var folder: String
    var idCards: [String]
    var selfies: [String]
    var mobileSdkData: String

    /// Writes the files into `folder` (created).
    static func write(into folder: String, imageKB: Int) throws -> BenchImages {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let size = max(16, imageKB * 1024)
        var idCards: [String] = []
        var selfies: [String] = []
        for person in 1...people {
            let idCard = folder + "/person\(person)-idcard.jpg"
            let selfie = folder + "/person\(person)-selfie.png"
            try Data(file(magic: [0xFF, 0xD8, 0xFF, 0xE0], size: size, seed: UInt64(person))).write(to: URL(fileURLWithPath: idCard))
            try Data(file(magic: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A], size: size, seed: UInt64(100 + person)))
                .write(to: URL(fileURLWithPath: selfie))
            idCards.append(idCard)
            selfies.append(selfie)
        }
        let sdk = folder + "/okaycam.bin"
        try Data(file(magic: [], size: 4 * 1024, seed: 999)).write(to: URL(fileURLWithPath: sdk))
        return BenchImages(folder: folder, idCards: idCards, selfies: selfies, mobileSdkData: sdk)
    }

    /// `magic` followed by pseudo-random filler up to `size` bytes.
    private static func file(magic: [UInt8], size: Int, seed: UInt64) -> [UInt8] {
        var generator = SeededGenerator(seed: seed)
        var bytes = magic
        bytes.reserveCapacity(size)
        while bytes.count < size {
            let word = generator.next()
            for shift in stride(from: 0, to: 64, by: 8) where bytes.count < size {
                bytes.append(UInt8(truncatingIfNeeded: word >> UInt64(shift)))
            }
        }
        return bytes
    }
}
