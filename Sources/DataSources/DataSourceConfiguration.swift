public import ContractLanguage
import Foundation

/// A member's data source configuration: which of its own tables or files feeds each contract
/// input table. Spec: protocols/data-sources.md.
///
/// ```json
/// {"member": "bank-a",
///  "sources": {"employees": {"kind": "sqlite", "path": "bank-a.sqlite", "table": "staff",
///                            "columns": {"dept": "department", "salary": "salary_eur"},
///                            "notNull": ["salary"]}}}
/// ```
/// A PostgreSQL source names a server instead of a file:
/// `{"kind": "postgresql", "host": "db.internal", "port": 5432, "database": "hr", "user": "covenant",
///   "passwordEnv": "COVENANT_PG_PASSWORD", "tls": "verify-full", "schema": "public", "table": "staff"}`.
/// Relative paths are resolved against the configuration file's directory.
public struct DataSourceConfiguration: Sendable, Equatable {
    /// The member's name.
    public var member: String
    /// Sources by contract input table name.
    public var sources: [String: SourceDescription]

    /// Creates a configuration.
    /// - Parameters:
    ///   - member: the member's name.
    ///   - sources: sources by contract input table name.
    public init(member: String, sources: [String: SourceDescription]) {
        self.member = member
        self.sources = sources
    }

    /// Reads and checks a configuration file.
    /// - Parameter path: the file (JSON).
    /// - Returns: the configuration, with every path made absolute.
    /// - Throws: `DataSourceError` `.fileNotFound`, `.unreadableFile` or `.invalidConfiguration`.
    public static func load(contentsOf path: String) throws -> DataSourceConfiguration {
        let data = try ConfigurationNode.contents(ofFile: path)
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        return try parse(data, file: path, baseDirectory: directory)
    }

    /// Parses configuration JSON strictly (protocols/data-sources.md#configuration-json): RFC 8259
    /// exactly, every key known, every value of its documented type.
    /// - Parameters:
    ///   - json: the file's bytes.
    ///   - file: the file's name, for messages.
    ///   - baseDirectory: the directory relative paths are resolved against.
    /// - Returns: the configuration.
    /// - Throws: `DataSourceError.Code.invalidConfiguration` at the offending line and column,
    ///   naming the JSON path (e.g. `sources.visits.kind`); never quoting a value.
    public static func parse(_ json: [UInt8], file: String, baseDirectory: String) throws -> DataSourceConfiguration {
        let root = try ConfigurationNode.read(json, file: file)
        let top = try root.object(allowedKeys: ["member", "sources"], expectation: "an object with 'member' and 'sources'")
        let member = try top.required("member", expectation: "the member's name").string(.name)
        let sourceMap = try top.required("sources", expectation: "an object mapping input tables to sources")
            .object(allowedKeys: nil, expectation: "an object mapping input tables to sources")
        var sources: [String: SourceDescription] = [:]
        for (table, node) in sourceMap.entries {
            guard !table.isEmpty, table.unicodeScalars.count <= 256 else {
                throw node.error("an input table name must be 1 to 256 characters")
            }
            let entry = try node.object(
                allowedKeys: ["kind", "path", "table", "query", "columns", "notNull"] + postgreSQLKeys, expectation: "a source object")
            let kindNode = try entry.required("kind", expectation: #""sqlite", "csv" or "postgresql""#)
            let kindName = try kindNode.string(.name)
            func resolve(_ path: String) -> String {
                path.hasPrefix("/") ? path : URL(fileURLWithPath: baseDirectory).appendingPathComponent(path).path
            }
            if kindName != "postgresql" {
                for key in postgreSQLKeys where key != "schema" {
                    if let extra = entry.optional(key) { throw extra.error("a \(kindName) source takes no '\(key)'") }
                }
                if let extra = entry.optional("schema") { throw extra.error("only a postgresql source takes 'schema'") }
            }
            var kind: SourceDescription.Kind = .csv
            var resolved = ""
            if kindName == "postgresql" {
                if let extra = entry.optional("path") { throw extra.error("a postgresql source takes no 'path' (it names a server)") }
                let connection = try Self.postgreSQLConnection(entry, node: node, resolve: resolve)
                resolved = connection.description
                let schema = try entry.optional("schema")?.string(.name)
                switch (entry.optional("table"), entry.optional("query")) {
                case (let table?, nil): kind = .postgreSQL(connection, .table(schema: schema, name: try table.string(.name)))
                case (nil, let query?):
                    if let extra = entry.optional("schema") { throw extra.error("'schema' goes with 'table', not 'query'") }
                    kind = .postgreSQL(connection, .query(try query.string(.text)))
                case (_?, let query?): throw query.error("a postgresql source takes exactly one of 'table' and 'query', not both")
                case (nil, nil): throw node.error("a postgresql source needs exactly one of 'table' and 'query'")
                }
            } else {
                resolved = resolve(try entry.required("path", expectation: "a file path").string(.path))
            }
            switch kindName {
            case "postgresql": break
            case "csv":
                if let extra = entry.optional("table") ?? entry.optional("query") {
                    throw extra.error("a csv source takes no 'table' or 'query'")
                }
                kind = .csv
            case "sqlite":
                switch (entry.optional("table"), entry.optional("query")) {
                case (let table?, nil): kind = .sqliteTable(try table.string(.name))
                case (nil, let query?): kind = .sqliteQuery(try query.string(.text))
                case (_?, let query?): throw query.error("a sqlite source takes exactly one of 'table' and 'query', not both")
                case (nil, nil): throw node.error("a sqlite source needs exactly one of 'table' and 'query'")
                }
            default:
                throw kindNode.error(#"must be "sqlite", "csv" or "postgresql""#)
            }
            var columns: [String: String] = [:]
            if let mapping = entry.optional("columns") {
                for (name, target) in try mapping.object(allowedKeys: nil, expectation: "an object mapping input columns to source column names").entries {
                    guard !name.isEmpty, name.unicodeScalars.count <= 256 else {
                        throw target.error("an input column name must be 1 to 256 characters")
                    }
                    columns[name] = try target.string(.name)
                }
            }
            let notNull = try entry.optional("notNull")?.stringArray(.name) ?? []
            sources[table] = SourceDescription(kind: kind, path: resolved, columns: columns, notNull: Set(notNull))
        }
        return DataSourceConfiguration(member: member, sources: sources)
    }

    /// The keys only a postgresql source takes (spec: protocols/data-sources.md §7).
    static let postgreSQLKeys = [
        "host", "port", "socket", "database", "user", "passwordEnv", "passwordFile", "tls", "caFile",
        "connectTimeoutSeconds", "schema",
    ]

    /// The connection settings of a postgresql source: exactly one of `host` and `socket`, at most
    /// one of `passwordEnv` and `passwordFile`, `tls` only with `host`.
    static func postgreSQLConnection(
        _ entry: ConfigurationObject, node: ConfigurationNode, resolve: (String) -> String
    ) throws -> PostgreSQLSource.Connection {
        let port = try entry.optional("port")?.integer(in: 1...65535) ?? 5432
        let endpoint: PostgreSQLSource.Connection.Endpoint
        switch (entry.optional("host"), entry.optional("socket")) {
        case (let host?, nil): endpoint = .tcp(host: try host.string(.name), port: port)
        case (nil, let socket?):
            let directory = resolve(try socket.string(.path))
            guard (directory + "/.s.PGSQL.\(port)").utf8.count < 104 else {
                throw socket.error("the socket directory is too long for a Unix socket address (at most 90 bytes)")
            }
            endpoint = .unixSocket(directory: directory, port: port)
        case (_?, let socket?): throw socket.error("a postgresql source takes exactly one of 'host' and 'socket', not both")
        case (nil, nil): throw node.error("a postgresql source needs exactly one of 'host' and 'socket' (a directory)")
        }
        let database = try entry.required("database", expectation: "the database's name").string(.name)
        let user = try entry.required("user", expectation: "the user's name").string(.name)
        let password: PostgreSQLSource.Connection.Password
        switch (entry.optional("passwordEnv"), entry.optional("passwordFile")) {
        case (let variable?, nil): password = .environment(try variable.string(.name))
        case (nil, let file?): password = .file(resolve(try file.string(.path)))
        case (_?, let file?): throw file.error("take the password from one of 'passwordEnv' and 'passwordFile', not both")
        case (nil, nil): password = .none
        }
        var tls = PostgreSQLSource.Connection.TLSMode.verifyFull
        if let tlsNode = entry.optional("tls") {
            let modes = PostgreSQLSource.Connection.TLSMode.allCases.map(\.rawValue)
            let name = try tlsNode.string(.name)
            guard let mode = PostgreSQLSource.Connection.TLSMode(rawValue: name) else {
                throw tlsNode.error("must be one of \(modes.map { "\"\($0)\"" }.joined(separator: ", "))")
            }
            if case .unixSocket = endpoint, mode != .disable {
                throw tlsNode.error(#"a Unix socket is not encrypted: leave 'tls' out or make it "disable""#)
            }
            tls = mode
        }
        if case .unixSocket = endpoint { tls = .disable }
        let caFile = try entry.optional("caFile")?.string(.path)
        if let caNode = entry.optional("caFile"), tls != .verifyFull {
            throw caNode.error(#"'caFile' goes with "tls": "verify-full""#)
        }
        let seconds = try entry.optional("connectTimeoutSeconds")?.integer(in: 1...3600) ?? 10
        return PostgreSQLSource.Connection(
            endpoint: endpoint, database: database, user: user, password: password, tls: tls, caFile: caFile.map(resolve),
            connectTimeout: .seconds(seconds))
    }

    /// The source feeding a contract's input table, checked against its columns.
    /// - Parameter input: the contract's input declaration.
    /// - Returns: the data source.
    /// - Throws: `DataSourceError` `.unknownInput`, or `.invalidConfiguration` when the mapping
    ///   or `notNull` names a column the input does not declare.
    public func source(for input: InputDeclaration) throws -> any DataSource {
        let table = input.table.text
        guard let description = sources[table] else {
            throw DataSourceError(
                .unknownInput,
                "member '\(member)' has no source for input table '\(table)' (configured: \(sources.keys.sorted().joined(separator: ", ")))")
        }
        let declared = Set(input.columns.map(\.name.text))
        for name in description.columns.keys.sorted() + description.notNull.sorted() where !declared.contains(name) {
            throw DataSourceError(
                .invalidConfiguration, "input table '\(table)' declares no column '\(name)'",
                at: .init(file: description.path, column: name))
        }
        return description.makeSource()
    }
}

/// Where one contract input table comes from.
public struct SourceDescription: Sendable, Equatable {
    /// The kind of source.
    public enum Kind: Sendable, Equatable {
        /// A CSV file with a header row.
        case csv
        /// A table or view of a SQLite database.
        case sqliteTable(String)
        /// A read-only SQL query over a SQLite database.
        case sqliteQuery(String)
        /// A table, view or query of a PostgreSQL database.
        case postgreSQL(PostgreSQLSource.Connection, PostgreSQLSource.Relation)
    }

    /// The kind.
    public var kind: Kind
    /// The file (absolute after loading); for PostgreSQL, the server as
    /// `postgresql://user@host:port/database`.
    public var path: String
    /// Input column → source column name; unmapped columns use their own name.
    public var columns: [String: String]
    /// Input columns in which null is an error.
    public var notNull: Set<String>

    /// Creates a description.
    /// - Parameters:
    ///   - kind: the kind.
    ///   - path: the file.
    ///   - columns: input column → source column name.
    ///   - notNull: input columns in which null is an error.
    public init(kind: Kind, path: String, columns: [String: String] = [:], notNull: Set<String> = []) {
        self.kind = kind
        self.path = path
        self.columns = columns
        self.notNull = notNull
    }

    /// The data source this describes.
    /// - Returns: a `CSVSource`, `SQLiteSource` or `PostgreSQLSource`.
    public func makeSource() -> any DataSource {
        switch kind {
        case .csv: return CSVSource(path: path, columns: columns, notNull: notNull)
        case .sqliteTable(let table):
            return SQLiteSource(path: path, relation: .table(table), columns: columns, notNull: notNull)
        case .sqliteQuery(let query):
            return SQLiteSource(path: path, relation: .query(query), columns: columns, notNull: notNull)
        case .postgreSQL(let connection, let relation):
            return PostgreSQLSource(connection: connection, relation: relation, columns: columns, notNull: notNull)
        }
    }
}
