import Foundation

/// Small files a node keeps beside its replica (pending changes, views): written whole to a new
/// file created with mode 0600 (`O_EXCL | O_NOFOLLOW`, a stale one removed first), flushed to
/// disk, renamed into place and the folder flushed, so a crash leaves the old file or the new
/// one, never an empty or truncated one, and the file is never readable by others.
enum DurableFile {
    /// Replaces `path` with `bytes`.
    /// - Returns: False when any step failed (the old file, if any, is then unchanged).
    static func replace(_ path: String, with bytes: [UInt8]) -> Bool {
        let temporary = path + ".new"
        unlink(temporary)
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { return false }
        var written = 0
        while written < bytes.count {
            let count = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress! + written, bytes.count - written) }
            guard count > 0 else { break }
            written += count
        }
        let flushed = written == bytes.count && fsync(descriptor) == 0
        close(descriptor)
        guard flushed, rename(temporary, path) == 0 else {
            unlink(temporary)
            return false
        }
        let folder = (path as NSString).deletingLastPathComponent
        _ = flush(folder.isEmpty ? "." : folder)
        return true
    }

    /// At most `limit` bytes of `path`, or nil when it does not exist, cannot be read or is larger.
    static func read(_ path: String, limit: Int) -> [UInt8]? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        guard let data = (try? handle.read(upToCount: limit + 1)) ?? nil, data.count <= limit else { return nil }
        return Array(data)
    }

    /// `fsync` of a file or folder.
    private static func flush(_ path: String) -> Bool {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        return fsync(descriptor) == 0
    }
}
