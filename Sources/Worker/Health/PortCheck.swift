#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Whether `HTTP_PORT` can be listened on, asked before anything else starts: a port already
/// in use must stop start-up with one line naming the setting, not fail inside the service
/// group after the consumer joined.
public enum PortCheck {
    /// nil when a TCP socket can bind `0.0.0.0:port` (the port is free), else the reason.
    public static func problem(port: Int) -> String? {
        guard port != 0 else { return nil }  // the kernel picks a free one
        #if canImport(Glibc)
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
        let fd = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard fd >= 0 else { return String(cString: strerror(errno)) }
        defer { close(fd) }
        // As the server will: without it a port in TIME_WAIT after a restart would be refused.
        var one: Int32 = 1
        _ = setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(truncatingIfNeeded: port)).bigEndian
        address.sin_addr = in_addr(s_addr: INADDR_ANY)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else { return String(cString: strerror(errno)) }
        guard listen(fd, 1) == 0 else { return String(cString: strerror(errno)) }
        return nil
    }
}
