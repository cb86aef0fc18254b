package io.wsmux.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Properties;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

import io.nats.client.NKey;
import io.nats.client.support.JwtUtils;
import io.wsmux.Multiplexer;
import io.wsmux.WsmuxConfigurationException;
import io.wsmux.WsmuxServer;
import io.wsmux.WsmuxSettings;
import io.wsmux.transport.tls.TestCertificates;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The NATS credentials and TLS settings checked before anything connects: a missing, unreadable or malformed file
 * fails the server's build with one line naming the setting and the file's absolute path; a certificate without its
 * key is refused by the settings; the TLS context checks host names.
 */
class NatsSecuritySettingsTest
{
    private static final String URL = "nats://127.0.0.1:4222";

    @TempDir
    static Path pkiDirectory;

    private static TestCertificates pki;

    @TempDir
    Path directory;

    @BeforeAll
    static void createCertificates()
    {
        pki = TestCertificates.create(pkiDirectory); // once: each set makes an RSA key too
    }

    @Test
    void shouldRefuseAMissingCredentialsFileNamingTheSettingAndTheAbsolutePath()
    {
        final Path missing = directory.resolve("missing.creds");

        assertBuildFails(settings().clusterNatsCredentials(missing.toString()),
            WsmuxSettings.CLUSTER_NATS_CREDENTIALS_PROP_NAME + ": " + missing.toAbsolutePath() + ": file not found");
    }

    @Test
    void shouldRefuseACredentialsFileThatIsNeitherCredsNorSeed() throws Exception
    {
        final Path file = Files.writeString(directory.resolve("notes.txt"), "hello\n");

        assertBuildFails(settings().clusterNatsCredentials(file.toString()),
            WsmuxSettings.CLUSTER_NATS_CREDENTIALS_PROP_NAME + ": " + file.toAbsolutePath() +
            ": neither a NATS .creds file nor a file holding a user NKey seed");
    }

    @Test
    void shouldRefuseASeedOfAnotherKindThanAUsers() throws Exception
    {
        final Path file = Files.writeString(directory.resolve("account.nk"),
            new String(NKey.createAccount(null).getSeed()));

        assertBuildFails(settings().clusterNatsCredentials(file.toString()), "not a user's");
    }

    @Test
    void shouldRefuseACredsFileWithoutItsSeedOrWithABrokenJwt() throws Exception
    {
        final NKey account = NKey.createAccount(null);
        final NKey user = NKey.createUser(null);
        final String jwt = JwtUtils.issueUserJWT(account, new String(account.getPublicKey()),
            new String(user.getPublicKey()));
        final String creds = String.format(JwtUtils.NATS_USER_JWT_FORMAT, jwt, new String(user.getSeed()));
        final Path noSeed = Files.writeString(directory.resolve("no-seed.creds"),
            creds.replace(new String(user.getSeed()), ""));
        final Path brokenJwt = Files.writeString(directory.resolve("broken.creds"), creds.replace(jwt, "not-a-jwt"));
        final Path good = Files.writeString(directory.resolve("good.creds"), creds);

        assertBuildFails(settings().clusterNatsCredentials(noSeed.toString()), noSeed.toAbsolutePath() +
            ": malformed .creds file: no valid user NKey seed after the JWT");
        assertBuildFails(settings().clusterNatsCredentials(brokenJwt.toString()), brokenJwt.toAbsolutePath() +
            ": malformed .creds file: no user JWT");
        build(settings().clusterNatsCredentials(good.toString()));
        final Path seed = Files.writeString(directory.resolve("user.nk"), new String(user.getSeed()) + "\n");
        build(settings().clusterNatsCredentials(seed.toString()));
    }

    @Test
    void shouldRefuseAMissingCaNamingTheSettingAndTheAbsolutePath()
    {
        final Path missing = directory.resolve("missing-ca.pem");

        assertBuildFails(settings().clusterNatsTlsCa(missing.toString()),
            WsmuxSettings.CLUSTER_NATS_TLS_CA_PROP_NAME + ": " + missing.toAbsolutePath() + ": file not found");
        assertBuildFails(settings().clusterNatsTlsCa(pki.serverKeyPem().toString()),
            WsmuxSettings.CLUSTER_NATS_TLS_CA_PROP_NAME + ": " + pki.serverKeyPem().toAbsolutePath() +
            ": holds no certificate");
    }

    @Test
    void shouldRefuseACertificateWithoutItsKeyAndTheReverse()
    {
        final String cert = pki.clientChainPem().toString();
        final String key = pki.clientKeyPem().toString();

        final String withoutKey = assertThrows(WsmuxConfigurationException.class,
            () -> settings().clusterNatsTlsCert(cert).conclude()).getMessage();
        assertEquals(WsmuxSettings.CLUSTER_NATS_TLS_KEY_PROP_NAME + " must be set with " +
            WsmuxSettings.CLUSTER_NATS_TLS_CERT_PROP_NAME + ": clusterNatsTlsKey=", withoutKey);
        final String withoutCert = assertThrows(WsmuxConfigurationException.class,
            () -> settings().clusterNatsTlsKey(key).conclude()).getMessage();
        assertEquals(WsmuxSettings.CLUSTER_NATS_TLS_CERT_PROP_NAME + " must be set with " +
            WsmuxSettings.CLUSTER_NATS_TLS_KEY_PROP_NAME + ": clusterNatsTlsCert=", withoutCert);
    }

    @Test
    void shouldNameTheKeySettingWhenTheKeyIsWrongAndTheCertSettingWhenTheChainIs()
    {
        assertBuildFails(settings().clusterNatsTlsCert(pki.clientChainPem().toString())
            .clusterNatsTlsKey(pki.otherKeyPem().toString()),
            WsmuxSettings.CLUSTER_NATS_TLS_KEY_PROP_NAME + ": " + pki.otherKeyPem().toAbsolutePath() +
            ": private key does not match");
        final Path missing = directory.resolve("missing-chain.pem");
        assertBuildFails(settings().clusterNatsTlsCert(missing.toString())
            .clusterNatsTlsKey(pki.clientKeyPem().toString()),
            WsmuxSettings.CLUSTER_NATS_TLS_CERT_PROP_NAME + ": " + missing.toAbsolutePath() + ": file not found");
        build(settings().clusterNatsTlsCa(pki.caPem().toString()).clusterNatsTlsCert(pki.clientChainPem().toString())
            .clusterNatsTlsKey(pki.clientKeyPem().toString()));
    }

    @Test
    void shouldRefuseAnUnusableUrlWithoutPrintingItsCredentials()
    {
        final String message = assertThrows(WsmuxConfigurationException.class,
            () -> build(settings().clusterNatsUrl("nats://wsmux:s3cret@127.0.0.1:port"))).getMessage();

        assertTrue(message.startsWith(WsmuxSettings.CLUSTER_NATS_URL_PROP_NAME + "=nats://***@127.0.0.1:port"),
            message);
        assertFalse(message.contains("s3cret"), message);
        assertFalse(message.contains("\n"), message);
    }

    @Test
    void shouldMakeTlsSocketsThatCheckTheServersHostName() throws Exception
    {
        final SSLContext context = NatsConnectionOptions.tlsContext(null, null);

        try (SSLSocket socket = (SSLSocket)context.getSocketFactory().createSocket())
        {
            final SSLParameters parameters = socket.getSSLParameters();
            assertEquals("HTTPS", parameters.getEndpointIdentificationAlgorithm());
            assertEquals(Arrays.asList("TLSv1.3", "TLSv1.2"), Arrays.asList(parameters.getProtocols()));
        }
        assertEquals("HTTPS", context.createSSLEngine("nats.example", 4222).getSSLParameters()
            .getEndpointIdentificationAlgorithm());
    }

    @Test
    void shouldTurnTlsOnForATlsUrlOrAContext()
    {
        assertFalse(NatsConnectionOptions.of(new String[] {URL}, null, null).isTls());
        assertTrue(NatsConnectionOptions.of(new String[] {"tls://127.0.0.1:4222"}, null, null).isTls());
        assertTrue(NatsConnectionOptions.of(new String[] {URL}, null, NatsConnectionOptions.tlsContext(null, null))
            .isTls());
    }

    private static WsmuxSettings settings()
    {
        return new WsmuxSettings(new Properties()).port(0).clusterNatsUrl(URL);
    }

    private static void build(final WsmuxSettings settings)
    {
        WsmuxServer.builder(settings).mux("/mux", Multiplexer.builder().build()).build();
    }

    private static void assertBuildFails(final WsmuxSettings settings, final String expected)
    {
        final String message = assertThrows(WsmuxConfigurationException.class, () -> build(settings)).getMessage();

        assertTrue(message.contains(expected), message);
        assertFalse(message.contains("\n") || message.contains("\r"), message);
    }
}
