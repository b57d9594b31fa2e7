import Foundation
import PostgresNIO

/// Writing to a PostgreSQL database, for the demo and the tests (not for data sources, which only
/// read): statements and batched inserts over one connection.
extension PostgreSQLSource.Connection {
    /// Runs statements in order on one connection (no bind parameters; the caller quotes).
    /// - Parameter statements: SQL statements.
    /// - Throws: `DataSourceError` (mapped as a source's errors are: no server message, no password).
    package func execute(_ statements: [String]) async throws {
        try await withConnection { connection in
            for statement in statements {
                _ = try await connection.query(PostgresQuery(unsafeSQL: statement), logger: PostgreSQLSource.logger).collect()
            }
        }
    }

    /// Runs one query and returns its cells as text (nil for NULL); the query must yield text
    /// columns (cast with `::text`).
    /// - Parameter sql: the query.
    /// - Returns: the rows.
    /// - Throws: `DataSourceError`.
    package func fetch(_ sql: String) async throws -> [[String?]] {
        var rows: [[String?]] = []
        try await withConnection { connection in
            for try await row in try await connection.query(PostgresQuery(unsafeSQL: sql), logger: PostgreSQLSource.logger) {
                rows.append(try row.map { try $0.decode(String?.self) })
            }
        }
        return rows
    }

    /// Inserts rows into an existing table, each cell given as text (nil for NULL) and cast by the
    /// server to its column's type (`$1::numeric`), in batches within one transaction.
    /// - Parameters:
    ///   - table: the table, quoted as the caller wants it (`"schema"."table"`).
    ///   - columns: the columns and their SQL types.
    ///   - rows: the cells, in column order.
    /// - Throws: `DataSourceError`.
    package func insert(into table: String, columns: [(name: String, type: String)], rows: [[String?]]) async throws {
        guard !columns.isEmpty else { return }
        let batch = max(1, min(1000, 60_000 / columns.count))
        try await withConnection { connection in
            _ = try await connection.query("BEGIN", logger: PostgreSQLSource.logger).collect()
            var start = 0
            while start < rows.count {
                let slice = rows[start..<min(rows.count, start + batch)]
                var bindings = PostgresBindings()
                var tuples: [String] = []
                var parameter = 0
                for row in slice {
                    var marks: [String] = []
                    for (index, column) in columns.enumerated() {
                        parameter += 1
                        marks.append("$\(parameter)::text::\(column.type)")
                        if index < row.count, let cell = row[index] { bindings.append(cell) } else { bindings.appendNull() }
                    }
                    tuples.append("(" + marks.joined(separator: ", ") + ")")
                }
                let names = columns.map { quoteIdentifier($0.name) }.joined(separator: ", ")
                let sql = "INSERT INTO \(table) (\(names)) VALUES " + tuples.joined(separator: ", ")
                _ = try await connection.query(PostgresQuery(unsafeSQL: sql, binds: bindings), logger: PostgreSQLSource.logger).collect()
                start += batch
            }
            _ = try await connection.query("COMMIT", logger: PostgreSQLSource.logger).collect()
        }
    }

    private func withConnection(_ body: (PostgresConnection) async throws -> Void) async throws {
        let source = PostgreSQLSource(connection: self, relation: .query("SELECT 1"))
        let connection: PostgresConnection
        do {
            connection = try await source.connect()
        } catch {
            throw source.failure(error, deadline: nil, connecting: true)
        }
        do {
            try await body(connection)
            try? await connection.close()
        } catch {
            try? await connection.close()
            throw source.failure(error, deadline: nil, connecting: false)
        }
    }
}
