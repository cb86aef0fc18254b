package io.wsmux.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import io.nats.client.NKey;
import io.nats.client.support.JsonSerializable;
import io.nats.client.support.JwtUtils;
import io.wsmux.WsmuxSettings;
import io.wsmux.transport.tls.TestCertificates;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The cluster's NATS connection secured, against a real nats-server: user and password or a token in the URL, an NKey
 * seed file, a {@code .creds} file (operator mode, with JWTs made here), TLS with the node trusting a test CA, and
 * mutual TLS. Each accepted case proves a publication crosses from one node to the other; each refused one that the
 * node says why on one line of stderr (not one per attempt), keeps {@code clusterLastError()}, stays disconnected and
 * still delivers locally.
 */
@Timeout(60)
class NatsSecurityIntegrationTest
{
    private static final long WAIT_MS = 10_000;
    private static final String TOPIC = "prices.EURUSD";

    @TempDir
    Path directory;

    private NatsServerProcess nats;
    private ClusterNodes nodes;
    private StderrLines stderr;

    @BeforeEach
    void captureStderr()
    {
        stderr = new StderrLines();
        nodes = new ClusterNodes(WAIT_MS);
    }

    @AfterEach
    void stop() throws InterruptedException
    {
        nodes.close();
        if (null != nats)
        {
            nats.close();
        }
        stderr.close();
    }

    @Test
    void shouldConnectWithUserAndPasswordInTheUrl() throws Exception
    {
        nats = NatsServerProcess.start(directory, "127.0.0.1", "--user", "wsmux", "--pass", "s3cret");
        nodes.start(node("password-0", nats.url("wsmux:s3cret")));
        nodes.start(node("password-1", nats.url("wsmux:s3cret")));

        assertPublicationCrosses();
    }

    @Test
    void shouldSayOnceThatAWrongPasswordIsRefusedServeLocallyAndConnectWhenNatsAcceptsIt() throws Exception
    {
        nats = NatsServerProcess.start(directory, "127.0.0.1", "--user", "wsmux", "--pass", "s3cret");
        nodes.start(node("wrong-password", nats.url("wsmux:wr0ng")));

        assertRefusedServingLocally("wrong-password", "Authorization Violation");
        // jnats gives up after the second refusal (it closes the connection): the link connects anew, and says
        // nothing more while the reason stays the same.
        Thread.sleep(2 * 2000 + NatsClusterLink.REOPEN_DELAY_MS + 1000);
        assertEquals(1, stderr.containing("node wrong-password:").size(),
            stderr.containing("wrong-password").toString());
        assertTrue(stderr.containing("wr0ng").isEmpty(), "the password was printed");

        nats.kill();
        nats.restartWith(); // no authentication now: the node, still trying, gets in
        nodes.await(() -> nodes.mux(0).isClusterConnected() && null == nodes.mux(0).clusterLastError(),
            "the node did not connect once NATS accepted it");
        assertEquals(1, stderr.containing("node wrong-password connected to NATS at nats://***@127.0.0.1:").size());
    }

    @Test
    void shouldConnectWithATokenInTheUrl() throws Exception
    {
        nats = NatsServerProcess.start(directory, "127.0.0.1", "--auth", "t0ken-for-wsmux");
        nodes.start(node("token-0", nats.url("t0ken-for-wsmux")));
        nodes.start(node("token-1", nats.url("t0ken-for-wsmux")));

        assertPublicationCrosses();
    }

    @Test
    void shouldConnectWithAnNKeySeedFileAndRefuseAnUnknownKey() throws Exception
    {
        final NKey user = NKey.createUser(null);
        final NKey stranger = NKey.createUser(null);
        nats = NatsServerProcess.start(directory, "127.0.0.1", "-c", NatsServerProcess.writeConfig(directory,
            "authorization { users = [ { nkey: \"" + new String(user.getPublicKey()) + "\" } ] }\n").toString());
        final Path seed = Files.writeString(directory.resolve("user.nk"), new String(user.getSeed()) + "\n");
        final Path strangerSeed = Files.writeString(directory.resolve("stranger.nk"),
            new String(stranger.getSeed()) + "\n");

        nodes.start(node("nkey-0", nats.url()).clusterNatsCredentials(seed.toString()));
        nodes.start(node("nkey-1", nats.url()).clusterNatsCredentials(seed.toString()));
        assertPublicationCrosses();

        nodes.start(node("nkey-stranger", nats.url()).clusterNatsCredentials(strangerSeed.toString()));
        assertRefusedServingLocally("nkey-stranger", "Authorization Violation");
    }

    @Test
    void shouldConnectWithACredsFileInOperatorMode() throws Exception
    {
        // What nsc would make: an operator, accounts it signs (JetStream needs a system account), a user the
        // account signs (its JWT and its seed in a .creds file).
        final NKey operator = NKey.createOperator(null);
        final NKey system = NKey.createAccount(null);
        final NKey account = NKey.createAccount(null);
        final NKey user = NKey.createUser(null);
        final String operatorKey = new String(operator.getPublicKey());
        final String systemKey = new String(system.getPublicKey());
        final String accountKey = new String(account.getPublicKey());
        final long now = JwtUtils.currentTimeSeconds();
        final String operatorJwt = JwtUtils.issueJWT(operator, operatorKey, "test-operator", null, now, operatorKey,
            claim("{\"type\":\"operator\",\"version\":2,\"system_account\":\"" + systemKey + "\"}"));
        final String limits = "\"limits\":{\"subs\":-1,\"data\":-1,\"payload\":-1,\"imports\":-1," +
            "\"exports\":-1,\"wildcards\":true,\"conn\":-1,\"leaf\":-1";
        final String systemJwt = JwtUtils.issueJWT(operator, systemKey, "SYS", null, now, operatorKey,
            claim("{\"type\":\"account\",\"version\":2," + limits + "}}"));
        final String accountJwt = JwtUtils.issueJWT(operator, accountKey, "test-account", null, now, operatorKey,
            claim("{\"type\":\"account\",\"version\":2," + limits + ",\"mem_storage\":-1,\"disk_storage\":-1," +
                "\"streams\":-1,\"consumer\":-1}}"));
        final String userJwt = JwtUtils.issueUserJWT(account, accountKey, new String(user.getPublicKey()), "wsmux");
        final Path creds = Files.writeString(directory.resolve("wsmux.creds"),
            String.format(JwtUtils.NATS_USER_JWT_FORMAT, userJwt, new String(user.getSeed())));
        nats = NatsServerProcess.start(directory, "127.0.0.1", "-c", NatsServerProcess.writeConfig(directory,
            "operator: \"" + operatorJwt + "\"\n" +
            "system_account: " + systemKey + "\n" +
            "resolver: MEMORY\n" +
            "resolver_preload: {\n" +
            "  " + systemKey + ": \"" + systemJwt + "\"\n" +
            "  " + accountKey + ": \"" + accountJwt + "\"\n" +
            "}\n").toString());

        nodes.start(node("creds-0", nats.url()).clusterNatsCredentials(creds.toString()));
        nodes.start(node("creds-1", nats.url()).clusterNatsCredentials(creds.toString()));
        assertPublicationCrosses();
    }

    @Test
    void shouldConnectOverTlsTrustingTheGivenCaAndRefuseAnotherCa() throws Exception
    {
        final TestCertificates pki = TestCertificates.create(directory.resolve("pki"));
        final TestCertificates otherPki = TestCertificates.create(directory.resolve("other-pki"));
        nats = NatsServerProcess.start(directory, "127.0.0.1", "-c", tlsConfig(pki, false).toString());

        // The CA alone turns TLS on for a nats:// URL; a tls:// URL says so too.
        nodes.start(node("tls-0", nats.url()).clusterNatsTlsCa(pki.caPem().toString()));
        nodes.start(node("tls-1", "tls://127.0.0.1:" + nats.port()).clusterNatsTlsCa(pki.caPem().toString()));
        assertPublicationCrosses();

        nodes.start(node("tls-untrusted", nats.url()).clusterNatsTlsCa(otherPki.caPem().toString()));
        assertRefusedServingLocally("tls-untrusted", "TLS with NATS failed");

        nodes.start(node("tls-plain", nats.url()));
        assertRefusedServingLocally("tls-plain", "NATS requires TLS");
    }

    @Test
    void shouldRefuseAServerWhoseCertificateIsForAnotherName() throws Exception
    {
        // The test certificate names localhost, 127.0.0.1 and ::1: a server at 127.0.0.2 presenting it is refused
        // although its CA is trusted (jnats alone would not check the name).
        final TestCertificates pki = TestCertificates.create(directory.resolve("pki"));
        nats = NatsServerProcess.start(directory, "127.0.0.2", "-c", tlsConfig(pki, false).toString());

        nodes.start(node("tls-wrong-name", nats.url()).clusterNatsTlsCa(pki.caPem().toString()));

        assertRefusedServingLocally("tls-wrong-name", "127.0.0.2");
    }

    @Test
    void shouldConnectWithAClientCertificateWhenNatsVerifiesClientsAndBeRefusedWithout() throws Exception
    {
        final TestCertificates pki = TestCertificates.create(directory.resolve("pki"));
        nats = NatsServerProcess.start(directory, "127.0.0.1", "-c", tlsConfig(pki, true).toString());

        nodes.start(withClientCertificate(node("mtls-0", nats.url()), pki));
        nodes.start(withClientCertificate(node("mtls-1", nats.url()), pki));
        assertPublicationCrosses();

        nodes.start(node("mtls-anonymous", nats.url()).clusterNatsTlsCa(pki.caPem().toString()));
        assertRefusedServingLocally("mtls-anonymous", "TLS with NATS failed");
    }

    private static WsmuxSettings node(final String name, final String url)
    {
        return new WsmuxSettings().clusterNatsUrl(url).clusterNode(name);
    }

    private static WsmuxSettings withClientCertificate(final WsmuxSettings settings, final TestCertificates pki)
    {
        return settings.clusterNatsTlsCa(pki.caPem().toString())
            .clusterNatsTlsCert(pki.clientChainPem().toString())
            .clusterNatsTlsKey(pki.clientKeyPem().toString());
    }

    private Path tlsConfig(final TestCertificates pki, final boolean verifyClients) throws Exception
    {
        return NatsServerProcess.writeConfig(directory, "tls {\n" +
            "  cert_file: \"" + pki.serverChainPem() + "\"\n" +
            "  key_file: \"" + pki.serverKeyPem() + "\"\n" +
            (verifyClients ? "  ca_file: \"" + pki.caPem() + "\"\n  verify: true\n" : "") +
            "}\n");
    }

    private static JsonSerializable claim(final String json)
    {
        return () -> json;
    }

    /**
     * Nodes 0 and 1 connected: a publication on node 0 reaches a subscriber on node 1.
     */
    private void assertPublicationCrosses() throws Exception
    {
        nodes.await(() -> nodes.mux(0).isClusterConnected() && nodes.mux(1).isClusterConnected(),
            "the nodes did not connect: " + nodes.mux(0).clusterLastError() + " / " + nodes.mux(1).clusterLastError());
        final TextCollector remote = nodes.subscribe(1, TOPIC);

        nodes.mux(0).topic(TOPIC).publish("across the cluster");

        assertEquals("msg," + TOPIC + ",across the cluster", remote.next());
        nodes.await(() -> null == nodes.mux(0).clusterLastError() && null == nodes.mux(1).clusterLastError(),
            "a connected node keeps a reason it failed");
    }

    /**
     * The last node started is refused: its reason is kept and printed once, it is not connected, and its own
     * subscribers still get its publications.
     */
    private void assertRefusedServingLocally(final String name, final String reason) throws Exception
    {
        final int node = nodes.count() - 1;
        nodes.await(() -> null != nodes.mux(node).clusterLastError(), "no reason kept");
        final String lastError = nodes.mux(node).clusterLastError();
        assertTrue(lastError.contains(reason), lastError);
        assertFalse(nodes.mux(node).isClusterConnected());

        final TextCollector local = nodes.subscribe(node, "prices.LOCAL");
        nodes.mux(node).topic("prices.LOCAL").publish("still served");
        assertEquals("msg,prices.LOCAL,still served", local.next());

        Thread.sleep(1000); // several more attempts (every 250 ms), and still one line
        final List<String> lines = stderr.containing("node " + name + ":");
        assertEquals(1, lines.size(), lines.toString());
        assertTrue(lines.get(0).contains(reason), lines.get(0));
        assertFalse(nodes.mux(node).isClusterConnected());
    }
}
