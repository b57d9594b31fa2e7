import CryptoPrimitives
import NIOCore
import NIOPosix
import NIOSSL
import NIOTLS
import NodeRuntime
import Testing

/// Reports whether the TLS handshake of its channel completed or failed.
final class HandshakeObserver: ChannelInboundHandler {
    typealias InboundIn = NIOAny
    private let outcome: EventLoopPromise<Bool>
    private var reported = false

    init(_ outcome: EventLoopPromise<Bool>) { self.outcome = outcome }

    private func report(_ completed: Bool) {
        guard !reported else { return }
        reported = true
        outcome.succeed(completed)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let tls = event as? TLSUserEvent, case .handshakeCompleted = tls { report(true) }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        report(false)
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        report(false)
        context.fireChannelInactive()
    }
}

/// TLS 1.3 only, Ed25519 only (protocols/node.md#tls-identities-and-pinning), checked with a raw
/// TLS client that presents a registered member's certificate.
@Suite("Node transport: TLS versions")
struct TLSVersionTests {
    /// Handshakes with bravo's port as alpha, with at most `maximum`; true if it completes.
    func handshake(_ network: TestNetwork, maximum: TLSVersion) async throws -> Bool {
        let identity = try network.identity("alpha")
        // RFC 8410 §7: PKCS#8 of an Ed25519 seed.
        let pkcs8: [UInt8] = [0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20]
            + network.keys["alpha"]!.rawRepresentation
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.certificateChain = [.certificate(try NIOSSLCertificate(bytes: identity.certificateDER, format: .der))]
        configuration.privateKey = .privateKey(try NIOSSLPrivateKey(bytes: pkcs8, format: .der))
        configuration.minimumTLSVersion = .tlsv1
        configuration.maximumTLSVersion = maximum
        configuration.certificateVerification = .none
        configuration.signingSignatureAlgorithms = [.ed25519]
        configuration.verifySignatureAlgorithms = [.ed25519]
        let context = try NIOSSLContext(configuration: configuration)
        let group = MultiThreadedEventLoopGroup.singleton
        let outcome = group.next().makePromise(of: Bool.self)
        let address = network.addresses["bravo"]!
        let channel = try await ClientBootstrap(group: group).channelInitializer { channel in
            channel.eventLoop.makeCompletedFuture {
                try channel.pipeline.syncOperations.addHandler(NIOSSLClientHandler(context: context, serverHostname: nil))
                try channel.pipeline.syncOperations.addHandler(HandshakeObserver(outcome))
            }
        }.connect(host: address.host, port: address.port).get()
        let completed = try await outcome.futureResult.get()
        try? await channel.close()
        return completed
    }

    @Test("a registered member's certificate completes a TLS 1.3 handshake and is refused at TLS 1.2")
    func onlyTLS13() async throws {
        let network = try await TestNetwork.make(["alpha", "bravo"])
        defer { Task { await network.stop() } }
        #expect(try await handshake(network, maximum: .tlsv13))
        #expect(try await !handshake(network, maximum: .tlsv12))
    }
}
