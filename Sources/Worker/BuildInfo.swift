/// Which build this is: shown by `okayface-worker --version`, in the start-up log line and as
/// the `okayface_build_info{version}` gauge (always 1), so an operator can tell which replicas
/// of a rolling upgrade run what.
public enum BuildInfo {
    /// Raised with each release; `OKAYFACE_BUILD_REVISION` (set by the image build) adds the commit.
    public static let version = "0.11.0"

    /// `version`, plus `+<revision>` when the build environment named one.
    public static func describe(revision: String?) -> String {
        guard let revision, !revision.isEmpty else { return version }
        return version + "+" + revision
    }
}
