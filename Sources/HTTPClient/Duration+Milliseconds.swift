extension Duration {
    /// Whole milliseconds for curl's `*_MS` options, at least 1 for a positive duration
    /// because curl reads 0 as "no timeout".
    var curlMilliseconds: Int {
        let (seconds, attoseconds) = components
        guard seconds >= 0, seconds < Int64(Int.max / 1000 - 1) else { return seconds < 0 ? 1 : Int.max / 2 }
        let millis = Int(seconds) * 1000 + Int(attoseconds / 1_000_000_000_000_000)
        return max(millis, 1)
    }
}
