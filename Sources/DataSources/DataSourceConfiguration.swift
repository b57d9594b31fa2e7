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
        guard FileManager.default.fileExists(atPath: path) else {
            throw DataSourceError(.fileNotFound, "the configuration file does not exist", at: .init(file: path))
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw DataSourceError(.unreadableFile, "the configuration file cannot be read", at: .init(file: path))
        }
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        return try parse(Array(data), file: path, baseDirectory: directory)
    }

    /// Parses configuration JSON.
    /// - Parameters:
    ///   - json: the file's bytes.
    ///   - file: the file's name, for messages.
    ///   - baseDirectory: the directory relative paths are resolved against.
    /// - Returns: the configuration.
    /// - Throws: `DataSourceError.Code.invalidConfiguration`, naming the JSON path.
    public static func parse(_ json: [UInt8], file: String, baseDirectory: String) throws -> DataSourceConfiguration {
        func fail(_ path: String?, _ message: String) -> DataSourceError {
            DataSourceError(.invalidConfiguration, message, at: .init(file: file, column: path))
        }
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: Data(json))
        } catch {
            throw fail(nil, "the configuration is not valid JSON")
        }
        guard let top = object as? [String: Any] else { throw fail(nil, "the configuration must be a JSON object") }
        if let unknown = top.keys.sorted().first(where: { !["member", "sources"].contains($0) }) {
            throw fail(unknown, "unknown key '\(unknown)' (expected 'member' and 'sources')")
        }
        guard let member = top["member"] as? String, !member.isEmpty else {
            throw fail("member", "'member' must be a non-empty string")
        }
        guard let sourceObjects = top["sources"] as? [String: Any] else {
            throw fail("sources", "'sources' must be an object mapping input tables to sources")
        }
        var sources: [String: SourceDescription] = [:]
        for (table, value) in sourceObjects.sorted(by: { $0.key < $1.key }) {
            let at = "sources.\(table)"
            guard let entry = value as? [String: Any] else { throw fail(at, "a source must be an object") }
            let allowed = ["kind", "path", "table", "query", "columns", "notNull"]
            if let unknown = entry.keys.sorted().first(where: { !allowed.contains($0) }) {
                throw fail("\(at).\(unknown)", "unknown key '\(unknown)' (expected one of \(allowed.joined(separator: ", ")))")
            }
            guard let path = entry["path"] as? String, !path.isEmpty else {
                throw fail("\(at).path", "'path' must be a non-empty string")
            }
            let resolved = path.hasPrefix("/") ? path : URL(fileURLWithPath: baseDirectory).appendingPathComponent(path).path
            let kind: SourceDescription.Kind
            switch entry["kind"] as? String {
            case "csv":
                if entry["table"] != nil || entry["query"] != nil {
                    throw fail(at, "a csv source takes no 'table' or 'query'")
                }
                kind = .csv
            case "sqlite":
                switch (entry["table"], entry["query"]) {
                case (let table as String, nil) where !table.isEmpty: kind = .sqliteTable(table)
                case (nil, let query as String) where !query.isEmpty: kind = .sqliteQuery(query)
                default: throw fail(at, "a sqlite source needs exactly one of 'table' or 'query' (a non-empty string)")
                }
            default:
                throw fail("\(at).kind", "'kind' must be \"sqlite\" or \"csv\"")
            }
            var columns: [String: String] = [:]
            if let raw = entry["columns"] {
                guard let mapping = raw as? [String: Any] else {
                    throw fail("\(at).columns", "'columns' must map input columns to source column names")
                }
                for (name, target) in mapping {
                    guard let target = target as? String, !target.isEmpty else {
                        throw fail("\(at).columns.\(name)", "a column mapping must be a non-empty string")
                    }
                    columns[name] = target
                }
            }
            var notNull: [String] = []
            if let raw = entry["notNull"] {
                guard let names = raw as? [String] else {
                    throw fail("\(at).notNull", "'notNull' must be an array of input column names")
                }
                notNull = names
            }
            sources[table] = SourceDescription(kind: kind, path: resolved, columns: columns, notNull: Set(notNull))
        }
        return DataSourceConfiguration(member: member, sources: sources)
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
    }

    /// The kind.
    public var kind: Kind
    /// The file (absolute after loading).
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
    /// - Returns: a `CSVSource` or `SQLiteSource`.
    public func makeSource() -> any DataSource {
        switch kind {
        case .csv: return CSVSource(path: path, columns: columns, notNull: notNull)
        case .sqliteTable(let table):
            return SQLiteSource(path: path, relation: .table(table), columns: columns, notNull: notNull)
        case .sqliteQuery(let query):
            return SQLiteSource(path: path, relation: .query(query), columns: columns, notNull: notNull)
        }
    }
}
