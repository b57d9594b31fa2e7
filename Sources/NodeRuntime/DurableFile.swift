import Foundation
import Runtime

/// Small files a node keeps beside its replica (pending changes, views, pad seeds): written whole
/// to a new file created with mode 0600 (``MemberKeyDirectory/writeSecret(_:to:)``, as member
/// keys are: `O_EXCL | O_NOFOLLOW`, a stale one removed first), flushed to
/// disk, renamed into place and the folder flushed, so a crash leaves the old file or the new
/// one, never an empty or truncated one, and the file is never readable by others.
enum DurableFile {
    /// Replaces `path` with `bytes`.
    /// - Returns: False when any step failed (the old file, if any, is then unchanged).
    static func replace(_ path: String, with bytes: [UInt8]) -> Bool {
        let temporary = path + ".new"
        unlink(temporary)
        do { try MemberKeyDirectory.writeSecret(bytes, to: temporary) } catch {
            unlink(temporary)
            return false
        }
        guard rename(temporary, path) == 0 else {
            unlink(temporary)
            return false
        }
        let folder = (path as NSString).deletingLastPathComponent
        _ = flush(folder.isEmpty ? "." : folder)
        return true
    }

    /// At most `limit` bytes of `path`, or nil when it does not exist, cannot be read, is larger,
    /// is not a regular file owned by this user, or is a link (`O_NOFOLLOW`; a FIFO never blocks
    /// the read). A file others may read is made 0600 first.
    static func read(_ path: String, limit: Int) -> [UInt8]? {
        let descriptor = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0, info.st_mode & S_IFMT == S_IFREG, info.st_uid == geteuid(), info.st_size <= limit else {
            return nil
        }
        if info.st_mode & 0o077 != 0 { _ = fchmod(descriptor, 0o600) }
        var bytes = [UInt8](repeating: 0, count: Int(info.st_size))
        var read = 0
        while read < bytes.count {
            let count = bytes.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress! + read, $0.count - read) }
            guard count > 0 else { return nil }
            read += count
        }
        return bytes
    }

    /// `fsync` of a file or folder.
    private static func flush(_ path: String) -> Bool {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        return fsync(descriptor) == 0
    }
}
