import Foundation

/// Where the mirror lives: a SQLite file (the embedded default), or a schema of a PostgreSQL database, named by
/// `postgres://user:password@host:port/database?schema=intercache` (`--database`, `INTERCACHE_DATABASE`).
public enum DatabaseLocation: Sendable, Equatable, CustomStringConvertible {
    case sqlite(path: String)
    case postgres(PostgresLocation)

    /// Reads `text`: a `postgres://` or `postgresql://` URL, or else a file path.
    public init(_ text: String) throws {
        guard text.hasPrefix("postgres://") || text.hasPrefix("postgresql://") else {
            self = .sqlite(path: text)
            return
        }
        self = .postgres(try PostgresLocation(url: text))
    }

    /// The location without its password.
    public var description: String {
        switch self {
        case let .sqlite(path): path
        case let .postgres(location): location.redacted
        }
    }
}

/// A PostgreSQL database and the schema the mirror's tables live in.
public struct PostgresLocation: Sendable, Equatable {
    public var host: String
    public var port: Int
    public var user: String
    public var password: String?
    public var database: String
    /// The schema of the mirror's tables: `intercache` unless `?schema=` says otherwise.
    public var schema: String

    /// Why a `postgres://` URL was refused; the message never repeats the password.
    public struct Invalid: Error, CustomStringConvertible {
        public let description: String
    }

    public init(url text: String) throws {
        guard let components = URLComponents(string: text), let host = components.host, !host.isEmpty else {
            throw Invalid(description: "not a PostgreSQL URL: expected postgres://user:password@host:port/database?schema=intercache")
        }
        guard let user = components.user, !user.isEmpty else { throw Invalid(description: "the PostgreSQL URL names no user") }
        let database = String(components.path.drop { $0 == "/" })
        guard !database.isEmpty else { throw Invalid(description: "the PostgreSQL URL names no database (postgres://user@host/DATABASE)") }
        let schema = components.queryItems?.first { $0.name == "schema" }?.value ?? "intercache"
        // The schema is an identifier the store quotes into DDL: letters, digits and underscores only.
        guard !schema.isEmpty, schema.count <= 63,
              schema.unicodeScalars.allSatisfy({ CharacterSet.alphanumerics.contains($0) || $0 == "_" }), schema.first?.isNumber == false
        else { throw Invalid(description: "schema must be letters, digits and underscores, starting with a letter: \(schema)") }
        self.host = host
        port = components.port ?? 5432
        self.user = user.removingPercentEncoding ?? user
        password = components.password.map { $0.removingPercentEncoding ?? $0 }
        self.database = database.removingPercentEncoding ?? database
        self.schema = schema
    }

    /// The URL with its password, for handing to another process (tests' replicas); never logged.
    package var url: String {
        var components = URLComponents()
        components.scheme = "postgres"
        components.user = user
        components.password = password
        components.host = host
        components.port = port
        components.path = "/" + database
        components.queryItems = [URLQueryItem(name: "schema", value: schema)]
        return components.string ?? redacted
    }

    /// The URL with the password replaced by `***`: what logs and `/sync` show.
    public var redacted: String {
        "postgres://\(user)\(password == nil ? "" : ":***")@\(host):\(port)/\(database)?schema=\(schema)"
    }
}
