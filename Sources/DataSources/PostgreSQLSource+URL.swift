import Foundation

extension PostgreSQLSource.Connection {
    /// Connection settings from a libpq-style URL: `postgresql://USER@HOST:PORT/DATABASE` or, for a
    /// Unix socket, `postgresql://USER@/DATABASE?host=/socket/dir&port=5432`; `sslmode=disable|require|verify-full`
    /// (default `verify-full` over TCP) and `sslrootcert=FILE` as in libpq. A password in the URL is
    /// refused (it would show in process listings and shell histories): name an environment variable.
    /// - Parameters:
    ///   - url: the URL.
    ///   - passwordEnvironment: the environment variable holding the password, if any.
    /// - Throws: `DataSourceError` `.invalidConfiguration`, naming what is wrong and never quoting the URL.
    public init(url: String, passwordEnvironment: String? = nil) throws {
        func invalid(_ message: String) -> DataSourceError {
            DataSourceError(.invalidConfiguration, "the PostgreSQL URL \(message)")
        }
        guard url.hasPrefix("postgresql://") || url.hasPrefix("postgres://") else {
            throw invalid("must start with postgresql://")
        }
        guard let components = URLComponents(string: url) else { throw invalid("does not parse as a URL") }
        guard components.password == nil else {
            throw invalid("must not contain a password: put it in an environment variable (PGPASSWORD)")
        }
        guard let user = components.user, !user.isEmpty else { throw invalid("names no user (postgresql://USER@…)") }
        var items: [String: String] = [:]
        for item in components.queryItems ?? [] {
            guard ["host", "port", "sslmode", "sslrootcert", "connect_timeout"].contains(item.name) else {
                throw invalid("has an unknown parameter '\(item.name)' (known: host, port, sslmode, sslrootcert, connect_timeout)")
            }
            guard let value = item.value, !value.isEmpty else { throw invalid("has an empty parameter '\(item.name)'") }
            items[item.name] = value
        }
        var port = components.port ?? 5432
        if let text = items["port"] {
            guard let value = Int(text), (1...65535).contains(value) else { throw invalid("has a port outside 1–65535") }
            port = value
        }
        guard (1...65535).contains(port) else { throw invalid("has a port outside 1–65535") }
        let database = String(components.path.drop { $0 == "/" })
        guard !database.contains("/") else { throw invalid("has a path that is not a database name") }
        let host = components.host.flatMap { $0.isEmpty ? nil : $0 }
        let endpoint: Endpoint
        switch (host, items["host"]) {
        case (let host?, nil): endpoint = .tcp(host: host, port: port)
        case (nil, let directory?) where directory.hasPrefix("/"): endpoint = .unixSocket(directory: directory, port: port)
        case (nil, let host?): endpoint = .tcp(host: host, port: port)
        case (_?, _?): throw invalid("names a host twice (in the authority and as host=)")
        case (nil, nil): throw invalid("names no host: postgresql://USER@HOST:PORT/DB, or ?host=/socket/dir")
        }
        var tls = TLSMode.verifyFull
        if let mode = items["sslmode"] {
            guard let parsed = TLSMode(rawValue: mode) else { throw invalid("has an sslmode other than disable, require, verify-full") }
            tls = parsed
        }
        if case .unixSocket = endpoint { tls = .disable }
        var timeout = Duration.seconds(10)
        if let text = items["connect_timeout"] {
            guard let seconds = Int(text), (1...3600).contains(seconds) else { throw invalid("has a connect_timeout outside 1–3600 s") }
            timeout = .seconds(seconds)
        }
        self.init(
            endpoint: endpoint, database: database.isEmpty ? user : database, user: user,
            password: passwordEnvironment.map { .environment($0) } ?? .none, tls: tls, caFile: items["sslrootcert"],
            connectTimeout: timeout)
    }

    /// The JSON members of a data-source configuration entry (`"host": …, "port": …, "database": …`)
    /// that describe these settings, for tools that write configurations (`covenant demo --postgres`).
    package var configurationJSON: String {
        func quoted(_ s: String) -> String {
            var out = "\""
            for scalar in s.unicodeScalars {
                switch scalar {
                case "\"": out += "\\\""
                case "\\": out += "\\\\"
                default:
                    if scalar.value < 0x20 { out += String(format: "\\u%04x", scalar.value) } else { out.unicodeScalars.append(scalar) }
                }
            }
            return out + "\""
        }
        var members: [String] = []
        switch endpoint {
        case .tcp(let host, let port): members += ["\"host\": \(quoted(host))", "\"port\": \(port)", "\"tls\": \(quoted(tls.rawValue))"]
        case .unixSocket(let directory, let port): members += ["\"socket\": \(quoted(directory))", "\"port\": \(port)"]
        }
        members += ["\"database\": \(quoted(database))", "\"user\": \(quoted(user))"]
        switch password {
        case .none: break
        case .environment(let variable): members.append("\"passwordEnv\": \(quoted(variable))")
        case .file(let path): members.append("\"passwordFile\": \(quoted(path))")
        }
        if let caFile { members.append("\"caFile\": \(quoted(caFile))") }
        members.append("\"connectTimeoutSeconds\": \(max(1, connectTimeout.components.seconds))")
        return members.joined(separator: ", ")
    }
}
