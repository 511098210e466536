/// Receives a successful response's body while it arrives, instead of the client collecting
/// it in ``WebResponse/body``: for bodies that must be limited, inspected or written to disk
/// as they stream (image fetches), so that a huge or endless body is never held in memory.
///
/// Only 2xx bodies are streamed. Any other status's body is collected in memory as usual, up
/// to ``WebRequest/maxResponseBytes`` or 64 KiB, whichever is smaller, for the caller's error
/// message.
///
/// Called on the client's loop thread, one chunk at a time and never concurrently: keep the
/// work per chunk short.
public protocol HTTPBodyStream: AnyObject, Sendable {
    /// Takes one chunk; false stops the transfer, which then fails with
    /// ``WebClientError/stoppedByReceiver``.
    func receive(_ chunk: UnsafeRawBufferPointer) -> Bool
}
