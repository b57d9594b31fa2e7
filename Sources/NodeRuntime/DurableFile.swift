import Foundation

/// Small files a node keeps beside its replica (pending changes, views): written whole to a new
/// file of mode 0600, flushed to disk, renamed into place and the folder flushed, so a crash
/// leaves the old file or the new one, never an empty or truncated one.
enum DurableFile {
    /// Replaces `path` with `bytes`.
    /// - Returns: False when any step failed (the old file, if any, is then unchanged).
    static func replace(_ path: String, with bytes: [UInt8]) -> Bool {
        let temporary = path + ".new"
        guard FileManager.default.createFile(atPath: temporary, contents: Data(bytes), attributes: [.posixPermissions: 0o600]),
            flush(temporary), rename(temporary, path) == 0
        else { return false }
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
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        return fsync(descriptor) == 0
    }
}
