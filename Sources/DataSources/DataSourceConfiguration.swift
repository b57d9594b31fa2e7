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
                allowedKeys: ["kind", "path", "table", "query", "columns", "notNull"], expectation: "a source object")
            let kindNode = try entry.required("kind", expectation: #""sqlite" or "csv""#)
            let kindName = try kindNode.string(.name)
            let path = try entry.required("path", expectation: "a file path").string(.path)
            let resolved = path.hasPrefix("/") ? path : URL(fileURLWithPath: baseDirectory).appendingPathComponent(path).path
            let kind: SourceDescription.Kind
            switch kindName {
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
                throw kindNode.error(#"must be "sqlite" or "csv""#)
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
