/// The one error type of `DataSources`: a code, a message, and where in the member's data the
/// problem is.
///
/// - Warning: Messages never quote a cell's value (it may be personal data); they say what is
///   wrong with it ("does not parse as decimal(2)") and where it is.
public struct DataSourceError: Error, Equatable, Sendable, CustomStringConvertible {
    /// What went wrong, as a stable code for programs and tests.
    public enum Code: String, Sendable, Hashable, CaseIterable {
        /// The configuration file is missing, is not JSON, or does not follow protocols/data-sources.md.
        case invalidConfiguration
        /// The configuration has no source for the contract's input table.
        case unknownInput
        /// A data file (CSV or SQLite database) does not exist.
        case fileNotFound
        /// A data file exists but cannot be read or opened.
        case unreadableFile
        /// The configured SQLite table (or view) does not exist.
        case tableNotFound
        /// The configured SQL query does not prepare, or is not a read-only SELECT.
        case invalidQuery
        /// A contract input column has no counterpart in the source.
        case missingColumn
        /// A CSV file is malformed: no header, a ragged row, an unterminated quote, invalid UTF-8.
        case malformedFile
        /// A cell's storage type cannot hold the contract column's type (e.g. text in an `int`).
        case wrongType
        /// A cell has the right storage type but its content does not parse as the column's type.
        case unparsableValue
        /// A cell is null in a column the configuration declares `notNull`.
        case nullValue
        /// A partial aggregate exceeds 128 bits.
        case overflow
        /// The database reported an error while reading (SQLite, or a PostgreSQL server: then the
        /// SQLSTATE is named, never the server's message, which may quote a value).
        case databaseError
        /// A database server cannot be reached: connection refused, no such socket, a timeout, a
        /// TLS handshake that failed, or a server that closed the connection (restarting) mid-scan.
        case connectionFailed
        /// The server refused the user's credentials (wrong password, no such role, no
        /// `pg_hba.conf` entry), or the password's environment variable or file cannot be read.
        case authenticationFailed
        /// The user may not read the configured table, view or a table the query reads.
        case permissionDenied
        /// Reading the source or running the local plan did not finish before its deadline.
        case deadlineExceeded
    }

    /// Where the problem is. Rows are 1-based data rows (a CSV header is not a row).
    public struct Location: Equatable, Sendable, CustomStringConvertible {
        /// The file: the CSV file, the SQLite database, or the configuration file; for a
        /// PostgreSQL source, the server as `postgresql://user@host:port/database` (never a password).
        public var file: String
        /// The SQLite or PostgreSQL table, view or `query`, if relevant.
        public var table: String?
        /// The 1-based data row (CSV: the record after the header; SQLite: the position in scan order).
        public var row: Int?
        /// The CSV line on which the row starts (quoted fields may span lines); for
        /// configuration errors, the 1-based line in the configuration file.
        public var line: Int?
        /// For configuration errors, the 1-based column (in Unicode scalars) on `line`.
        public var character: Int?
        /// The contract input column (or, for configuration errors, the JSON path, e.g. `sources.visits.kind`).
        public var column: String?

        /// Creates a location.
        /// - Parameters:
        ///   - file: the file.
        ///   - table: the table, view or `query`.
        ///   - row: the data row.
        ///   - line: the CSV line, or the configuration file's line.
        ///   - character: the configuration file's column on `line`.
        ///   - column: the column, or the configuration's JSON path.
        public init(
            file: String, table: String? = nil, row: Int? = nil, line: Int? = nil, character: Int? = nil, column: String? = nil
        ) {
            self.file = file
            self.table = table
            self.row = row
            self.line = line
            self.character = character
            self.column = column
        }

        /// `file: table 'staff', row 7 (line 8), column 'salary'`; for a configuration file
        /// `member.json:7:15 (sources.visits.kind)`.
        public var description: String {
            if let line, let character, table == nil, row == nil {
                return "\(file):\(line):\(character)" + (column.map { " (\($0))" } ?? "")
            }
            var parts: [String] = []
            if let table { parts.append(table == "query" ? "query" : "table '\(table)'") }
            if let row { parts.append("row \(row)" + (line.map { " (line \($0))" } ?? "")) }
            if let column { parts.append("column '\(column)'") }
            return parts.isEmpty ? file : file + ": " + parts.joined(separator: ", ")
        }
    }

    /// The code.
    public var code: Code
    /// What is wrong, without any cell value.
    public var message: String
    /// Where, when known.
    public var location: Location?

    /// Creates an error.
    /// - Parameters:
    ///   - code: the code.
    ///   - message: the message (no cell values).
    ///   - location: where.
    public init(_ code: Code, _ message: String, at location: Location? = nil) {
        self.code = code
        self.message = message
        self.location = location
    }

    /// `location: message`.
    public var description: String {
        guard let location else { return message }
        return "\(location): \(message)"
    }
}
