extension Duration {
    /// Whole milliseconds for curl's `*_MS` options, at least 1 because curl reads 0 as
    /// "no timeout"; absurdly long durations are capped instead of overflowing.
    var curlMilliseconds: Int {
        let (seconds, attoseconds) = components
        if seconds < 0 { return 1 }
        if seconds > 1_000_000_000 { return 1_000_000_000_000 }
        return max(Int(seconds) * 1000 + Int(attoseconds / 1_000_000_000_000_000), 1)
    }
}
