package io.wsmux.transport.tls;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.math.BigInteger;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.interfaces.ECPrivateKey;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509KeyManager;
import javax.net.ssl.X509TrustManager;

import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.openssl.jcajce.JceOpenSSLPKCS8DecryptorProviderBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Each rule of {@link TlsCredentials}, good and bad, on files from {@link TestCertificates}, and real TLS handshakes
 * on loopback with the contexts it builds.
 */
@Timeout(30)
class TlsCredentialsTest
{
    private static final int SOCKET_TIMEOUT_MS = 5_000;

    @TempDir
    static Path shared;
    private static TestCertificates ec;
    private static TestCertificates rsa;

    @TempDir
    Path dir;

    private final ExecutorService server = Executors.newSingleThreadExecutor();
    private final List<AutoCloseable> closeables = new ArrayList<>();

    @BeforeAll
    static void generate()
    {
        ec = TestCertificates.create(shared.resolve("ec"));
        rsa = TestCertificates.create(shared.resolve("rsa"), TestCertificates.KeyAlgorithm.RSA_2048, "rsa client");
    }

    @AfterEach
    void close() throws Exception
    {
        for (final AutoCloseable closeable : closeables)
        {
            closeable.close();
        }
        server.shutdownNow();
        assertTrue(server.awaitTermination(SOCKET_TIMEOUT_MS, TimeUnit.MILLISECONDS));
    }

    @Test
    void pemEcIsLoaded()
    {
        final TlsCredentials credentials = TlsCredentials.pem(ec.serverChainPem(), ec.serverKeyPem());

        assertArrayEquals(new X509Certificate[] {ec.serverCertificate(), ec.caCertificate()}, credentials.chain());
        assertEquals(ec.serverKeyPair().getPrivate(), credentials.privateKey());
        assertEquals("EC", credentials.privateKey().getAlgorithm());
        assertEquals("CN=localhost", credentials.subject());
        assertEquals(ec.serverCertificate().getNotAfter().toInstant(), credentials.notAfter());
        assertKeyManagerServes(credentials, "EC");
    }

    @Test
    void pemRsaIsLoaded()
    {
        final TlsCredentials credentials = TlsCredentials.pem(rsa.serverChainPem(), rsa.serverKeyPem());

        assertArrayEquals(new X509Certificate[] {rsa.serverCertificate(), rsa.caCertificate()}, credentials.chain());
        assertEquals("RSA", credentials.privateKey().getAlgorithm());
        assertKeyManagerServes(credentials, "RSA");
    }

    @Test
    void pemChainAndKeyMayShareOneFile() throws IOException
    {
        final Path combined = dir.resolve("combined.pem");
        Files.writeString(combined, Files.readString(ec.serverKeyPem()) + Files.readString(ec.serverChainPem()));

        assertEquals("CN=localhost", TlsCredentials.pem(combined, combined).subject());
    }

    @ParameterizedTest
    @CsvSource({"Ed25519, Ed25519", "Ed448, Ed448", "RSASSA-PSS, SHA256withRSAandMGF1"})
    void pemEdDsaAndRsaPssAreLoadedAndMismatchesFound(final String keyAlgorithm, final String signatureAlgorithm)
        throws Exception
    {
        final KeyPairGenerator generator = KeyPairGenerator.getInstance(keyAlgorithm);
        final KeyPair keys = generator.generateKeyPair();
        final X500Name name = new X500Name("CN=" + keyAlgorithm);
        final Instant now = Instant.now();
        final X509Certificate certificate = new JcaX509CertificateConverter().getCertificate(
            new JcaX509v3CertificateBuilder(name, BigInteger.ONE, Date.from(now.minusSeconds(60)),
                Date.from(now.plusSeconds(3600)), name, keys.getPublic())
                .build(new JcaContentSignerBuilder(signatureAlgorithm).setProvider(new BouncyCastleProvider())
                    .build(keys.getPrivate())));
        final Path chain = dir.resolve("chain.pem");
        final Path key = dir.resolve("key.pem");
        final Path other = dir.resolve("other.pem");
        try (JcaPEMWriter writer = new JcaPEMWriter(Files.newBufferedWriter(chain)))
        {
            writer.writeObject(certificate);
        }
        try (JcaPEMWriter writer = new JcaPEMWriter(Files.newBufferedWriter(key)))
        {
            writer.writeObject(new JcaPKCS8Generator(keys.getPrivate(), null));
        }
        try (JcaPEMWriter writer = new JcaPEMWriter(Files.newBufferedWriter(other)))
        {
            writer.writeObject(new JcaPKCS8Generator(generator.generateKeyPair().getPrivate(), null));
        }

        final TlsCredentials credentials = TlsCredentials.pem(chain, key);
        assertEquals("CN=" + keyAlgorithm, credentials.subject());
        assertArrayEquals(keys.getPrivate().getEncoded(), credentials.privateKey().getEncoded());
        assertEquals(1, credentials.keyManagers().length);
        assertMessage(assertThrows(TlsConfigurationException.class, () -> TlsCredentials.pem(chain, other)), other,
            "private key does not match the certificate's public key (CN=" + keyAlgorithm);
    }

    @Test
    void pkcs12IsLoaded()
    {
        final TlsCredentials credentials = TlsCredentials.pkcs12(ec.serverP12(), TestCertificates.password());

        assertArrayEquals(new X509Certificate[] {ec.serverCertificate(), ec.caCertificate()}, credentials.chain());
        assertEquals(ec.serverKeyPair().getPrivate(), credentials.privateKey());
        assertKeyManagerServes(credentials, "EC");
    }

    @Test
    void pkcs12WrongPasswordIsRefused()
    {
        final TlsConfigurationException ex = assertThrows(TlsConfigurationException.class,
            () -> TlsCredentials.pkcs12(ec.serverP12(), "wrong".toCharArray()));

        assertMessage(ex, ec.serverP12(), "wrong password (or not a PKCS#12 file)");
    }

    @Test
    void pkcs12WithoutKeyEntryIsRefused()
    {
        final TlsConfigurationException ex = assertThrows(TlsConfigurationException.class,
            () -> TlsCredentials.pkcs12(ec.caP12(), TestCertificates.password()));

        assertMessage(ex, ec.caP12(), "holds no private key entry (1 certificate entry: a trust store?)");
    }

    @Test
    void pkcs12GivenPemIsRefused()
    {
        final TlsConfigurationException ex = assertThrows(TlsConfigurationException.class,
            () -> TlsCredentials.pkcs12(ec.serverChainPem(), TestCertificates.password()));

        assertMessage(ex, ec.serverChainPem(), "is PEM text, not PKCS#12");
    }

    @Test
    void expiredCertificateIsRefused()
    {
        final TlsConfigurationException ex = assertThrows(TlsConfigurationException.class,
            () -> TlsCredentials.pem(ec.expiredChainPem(), ec.expiredKeyPem()));

        assertMessage(ex, ec.expiredChainPem(),
            "certificate CN=localhost expired on " + ec.expiredCertificate().getNotAfter().toInstant());
    }

    @Test
    void notYetValidCertificateIsRefused()
    {
        final TlsConfigurationException ex = assertThrows(TlsConfigurationException.class,
            () -> TlsCredentials.pem(ec.notYetValidChainPem(), ec.notYetValidKeyPem()));

        assertMessage(ex, ec.notYetValidChainPem(), "certificate CN=localhost is not yet valid: valid from "
            + ec.notYetValidCertificate().getNotBefore().toInstant());
    }

    @Test
    void validityIsCheckedAgainstTheGivenTime()
    {
        final Instant notBefore = ec.serverCertificate().getNotBefore().toInstant();
        final Instant notAfter = ec.serverCertificate().getNotAfter().toInstant();

        assertEquals(notAfter, TlsCredentials.pem(ec.serverChainPem(), ec.serverKeyPem(), notAfter).notAfter());
        assertEquals(notAfter, TlsCredentials.pem(ec.serverChainPem(), ec.serverKeyPem(), notBefore).notAfter());
        final TlsConfigurationException expired = assertThrows(TlsConfigurationException.class,
            () -> TlsCredentials.pem(ec.serverChainPem(), ec.serverKeyPem(), notAfter.plusSeconds(1)));
        assertMessage(expired, ec.serverChainPem(), "certificate CN=localhost expired on " + notAfter);
        final TlsConfigurationException early = assertThrows(TlsConfigurationException.class,
            () -> TlsCredentials.pkcs12(ec.serverP12(), TestCertificates.password(), notBefore.minusSeconds(1)));
        assertMessage(early, ec.serverP12(), "certificate CN=localhost is not yet valid: valid from " + notBefore);
    }

    @Test
    void keyOfAnotherCertificateIsRefused()
    {
        final TlsConfigurationException ex = assertThrows(TlsConfigurationException.class,
            () -> TlsCredentials.pem(ec.serverChainPem(), ec.otherKeyPem()));

        assertMessage(ex, ec.otherKeyPem(), "private key does not match the certificate's public key (CN=localhost in "
            + ec.serverChainPem().toAbsolutePath() + ")");
    }

    @Test
    void keyOfAnotherAlgorithmIsRefused()
    {
        final TlsConfigurationException ex = assertThrows(TlsConfigurationException.class,
            () -> TlsCredentials.pem(ec.serverChainPem(), rsa.serverKeyPem()));

        assertMessage(ex, rsa.serverKeyPem(), "private key does not match the certificate's public key");
        assertTrue(ex.getMessage().endsWith("; the key is RSA, the certificate's EC"), ex.getMessage());
    }

    @Test
    void chainNotLeafFirstIsRefused() throws IOException
    {
        final Path reversed = dir.resolve("reversed.pem");
        Files.writeString(reversed, Files.readString(ec.caPem()) + Files.readString(ec.serverChainPem()));

        final TlsConfigurationException ex = assertThrows(TlsConfigurationException.class,
            () -> TlsCredentials.pem(reversed, ec.serverKeyPem()));

        assertMessage(ex, reversed,
            "the chain is not leaf first: the private key matches certificate #2 (CN=localhost)");
    }

    @Test
    void chainWithACertificateOfAnotherIssuerIsRefused() throws IOException
    {
        final Path mixed = dir.resolve("mixed.pem");
        Files.writeString(mixed, Files.readString(ec.serverChainPem()) + Files.readString(rsa.serverChainPem()));

        final TlsConfigurationException ex = assertThrows(TlsConfigurationException.class,
            () -> TlsCredentials.pem(mixed, ec.serverKeyPem()));

        assertMessage(ex, mixed, "certificate #3 (CN=localhost) did not issue certificate #2 (CN=wsmux test CA");
    }

    @Test
    void pkcs1KeyIsRefusedWithTheConversion()
    {
        final TlsConfigurationException ex = assertThrows(TlsConfigurationException.class,
            () -> TlsCredentials.pem(rsa.serverChainPem(), rsa.rsaPkcs1KeyPem()));

        final String path = rsa.rsaPkcs1KeyPem().toAbsolutePath().toString();
        assertMessage(ex, rsa.rsaPkcs1KeyPem(), "is a PKCS#1 RSA private key (BEGIN RSA PRIVATE KEY); convert it to "
            + "unencrypted PKCS#8 (BEGIN PRIVATE KEY): openssl pkcs8 -topk8 -nocrypt -in " + path + " -out " + path
            + ".pk8");
    }

    @Test
    void sec1KeyIsRefusedWithTheConversion()
    {
        final TlsConfigurationException ex = assertThrows(TlsConfigurationException.class,
            () -> TlsCredentials.pem(ec.serverChainPem(), ec.ecSec1KeyPem()));

        assertMessage(ex, ec.ecSec1KeyPem(), "is a SEC1 EC private key (BEGIN EC PRIVATE KEY); convert it");
        assertTrue(ex.getMessage().contains("openssl pkcs8 -topk8 -nocrypt -in "), ex.getMessage());
    }

    @Test
    void encryptedKeyIsRefusedWithTheConversion()
    {
        final TlsConfigurationException ex = assertThrows(TlsConfigurationException.class,
            () -> TlsCredentials.pem(ec.serverChainPem(), ec.encryptedKeyPem()));

        assertMessage(ex, ec.encryptedKeyPem(),
            "is an encrypted PKCS#8 private key (BEGIN ENCRYPTED PRIVATE KEY); convert it");
        assertTrue(ex.getMessage().contains("openssl pkcs8 -topk8 -nocrypt -in "), ex.getMessage());
    }

    @Test
    void refusedKeyFormatsHoldRealKeys() throws Exception
    {
        final JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
        try (PEMParser pkcs1 = new PEMParser(Files.newBufferedReader(rsa.rsaPkcs1KeyPem()));
            PEMParser sec1 = new PEMParser(Files.newBufferedReader(ec.ecSec1KeyPem()));
            PEMParser encrypted = new PEMParser(Files.newBufferedReader(ec.encryptedKeyPem())))
        {
            assertArrayEquals(rsa.serverKeyPair().getPrivate().getEncoded(),
                converter.getKeyPair((PEMKeyPair)pkcs1.readObject()).getPrivate().getEncoded());
            final KeyPair sec1Keys = converter.getKeyPair((PEMKeyPair)sec1.readObject());
            assertEquals(((ECPrivateKey)ec.serverKeyPair().getPrivate()).getS(),
                ((ECPrivateKey)sec1Keys.getPrivate()).getS());
            assertEquals(ec.serverKeyPair().getPublic(), sec1Keys.getPublic());
            final PrivateKeyInfo decrypted = ((PKCS8EncryptedPrivateKeyInfo)encrypted.readObject())
                .decryptPrivateKeyInfo(new JceOpenSSLPKCS8DecryptorProviderBuilder()
                    .setProvider(new BouncyCastleProvider())
                    .build(TestCertificates.password()));
            assertArrayEquals(ec.serverKeyPair().getPrivate().getEncoded(),
                converter.getPrivateKey(decrypted).getEncoded());
        }
    }

    @Test
    void fileThatIsNotPemIsRefused() throws IOException
    {
        final Path text = Files.writeString(dir.resolve("server.pem"), "hello, not a certificate\n");

        final TlsConfigurationException chain = assertThrows(TlsConfigurationException.class,
            () -> TlsCredentials.pem(text, ec.serverKeyPem()));
        assertMessage(chain, text, "not PEM (no -----BEGIN CERTIFICATE----- line)");
        final TlsConfigurationException key = assertThrows(TlsConfigurationException.class,
            () -> TlsCredentials.pem(ec.serverChainPem(), text));
        assertMessage(key, text, "not PEM (no -----BEGIN PRIVATE KEY----- line)");
    }

    @Test
    void derCertificateIsRefusedWithTheConversion() throws Exception
    {
        final Path der = Files.write(dir.resolve("server.der"), ec.serverCertificate().getEncoded());

        final TlsConfigurationException ex = assertThrows(TlsConfigurationException.class,
            () -> TlsCredentials.pem(der, ec.serverKeyPem()));

        assertMessage(ex, der, "not PEM (no -----BEGIN CERTIFICATE----- line): binary DER? convert it: openssl x509");
    }

    @Test
    void chainFileWithoutCertificateIsRefused()
    {
        final TlsConfigurationException ex = assertThrows(TlsConfigurationException.class,
            () -> TlsCredentials.pem(ec.serverKeyPem(), ec.serverKeyPem()));

        assertMessage(ex, ec.serverKeyPem(),
            "holds no certificate (no -----BEGIN CERTIFICATE----- block; found PRIVATE KEY)");
    }

    @Test
    void keyFileWithoutKeyIsRefused()
    {
        final TlsConfigurationException ex = assertThrows(TlsConfigurationException.class,
            () -> TlsCredentials.pem(ec.serverChainPem(), ec.serverChainPem()));

        assertMessage(ex, ec.serverChainPem(),
            "holds no private key (no -----BEGIN PRIVATE KEY----- block; found CERTIFICATE)");
    }

    @Test
    void malformedCertificateIsRefused() throws IOException
    {
        final Path broken = Files.writeString(dir.resolve("broken.pem"),
            "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");

        final TlsConfigurationException ex = assertThrows(TlsConfigurationException.class,
            () -> TlsCredentials.pem(broken, ec.serverKeyPem()));

        assertMessage(ex, broken, "malformed certificate: ");
    }

    @Test
    void missingFileIsRefused()
    {
        final Path missing = dir.resolve("missing.pem");

        final TlsConfigurationException ex = assertThrows(TlsConfigurationException.class,
            () -> TlsCredentials.pem(missing, ec.serverKeyPem()));

        assertMessage(ex, missing, "file not found");
        assertEquals(missing.toAbsolutePath(), ex.file());
        assertEquals("file not found", ex.reason());
    }

    @Test
    void directoryIsRefused()
    {
        final TlsConfigurationException ex = assertThrows(TlsConfigurationException.class,
            () -> TlsCredentials.pem(ec.serverChainPem(), dir));

        assertMessage(ex, dir, "is a directory, not a file");
    }

    @Test
    void emptyFileIsRefused() throws IOException
    {
        final Path empty = Files.createFile(dir.resolve("empty.pem"));

        assertMessage(assertThrows(TlsConfigurationException.class,
            () -> TlsCredentials.pem(empty, ec.serverKeyPem())), empty, "is empty");
        assertMessage(assertThrows(TlsConfigurationException.class,
            () -> TlsCredentials.pem(ec.serverChainPem(), empty)), empty, "is empty");
        assertMessage(assertThrows(TlsConfigurationException.class,
            () -> TlsCredentials.pkcs12(empty, TestCertificates.password())), empty, "is empty");
        assertMessage(assertThrows(TlsConfigurationException.class,
            () -> TlsCredentials.trustManagers(empty, null)), empty, "is empty");
    }

    @Test
    void trustFromPemBundle() throws IOException
    {
        final Path bundle = dir.resolve("bundle.pem");
        Files.writeString(bundle, Files.readString(ec.caPem()) + Files.readString(rsa.caPem()));

        final X509Certificate[] issuers = trustManager(TlsCredentials.trustManagers(bundle, null)).getAcceptedIssuers();

        assertEquals(2, issuers.length);
        assertTrue(Arrays.asList(issuers).containsAll(List.of(ec.caCertificate(), rsa.caCertificate())));
    }

    @Test
    void trustFromPkcs12AndJks()
    {
        for (final Path store : List.of(ec.caP12(), ec.caJks()))
        {
            final X509Certificate[] issuers =
                trustManager(TlsCredentials.trustManagers(store, TestCertificates.password())).getAcceptedIssuers();
            assertArrayEquals(new X509Certificate[] {ec.caCertificate()}, issuers, store.toString());
        }
    }

    @Test
    void trustStoreWithWrongPasswordIsRefused()
    {
        for (final Path store : List.of(ec.caP12(), ec.caJks()))
        {
            final TlsConfigurationException ex = assertThrows(TlsConfigurationException.class,
                () -> TlsCredentials.trustManagers(store, "wrong".toCharArray()));
            assertMessage(ex, store, "wrong password");
        }
    }

    @Test
    void trustFileWithoutCertificateIsRefused() throws IOException
    {
        final TlsConfigurationException pem = assertThrows(TlsConfigurationException.class,
            () -> TlsCredentials.trustManagers(ec.serverKeyPem(), null));
        assertMessage(pem, ec.serverKeyPem(), "holds no certificate (no -----BEGIN CERTIFICATE----- block");

        final Path garbage = Files.write(dir.resolve("garbage.p12"), new byte[] {1, 2, 3, 4, 5, 6, 7, 8});
        final TlsConfigurationException binary = assertThrows(TlsConfigurationException.class,
            () -> TlsCredentials.trustManagers(garbage, null));
        assertMessage(binary, garbage, "neither PEM certificates nor a PKCS#12 or JKS keystore");

        final TlsConfigurationException missing = assertThrows(TlsConfigurationException.class,
            () -> TlsCredentials.trustManagers(dir.resolve("missing.pem"), null));
        assertMessage(missing, dir.resolve("missing.pem"), "file not found");
    }

    @Test
    void spkiHashIsSha256OfTheServerPublicKey() throws Exception
    {
        final byte[] expected = MessageDigest.getInstance("SHA-256")
            .digest(ec.serverCredentials().chain()[0].getPublicKey().getEncoded());

        assertEquals(Base64.getEncoder().encodeToString(expected), ec.serverSpkiSha256Base64());
        assertEquals(44, ec.serverSpkiSha256Base64().length());
    }

    @Test
    void mainWritesEveryFile()
    {
        final Path out = dir.resolve("main");
        TestCertificates.main(new String[] {out.toString()});

        for (final String name : List.of("ca.pem", "server-chain.pem", "server-key.pem", "server.p12",
            "client-chain.pem", "client-key.pem", "client.p12", "expired-chain.pem", "expired-key.pem",
            "other-key.pem", "rsa-pkcs1-key.pem", "encrypted-key.pem"))
        {
            assertTrue(Files.isRegularFile(out.resolve(name)), name);
        }
        assertEquals("CN=localhost",
            TlsCredentials.pem(out.resolve("server-chain.pem"), out.resolve("server-key.pem")).subject());
    }

    @ParameterizedTest
    @CsvSource({"EC_P256, TLSv1.3", "EC_P256, TLSv1.2", "RSA_2048, TLSv1.3", "RSA_2048, TLSv1.2"})
    void handshakeOnLoopbackWithHostnameVerification(final String algorithm, final String protocol) throws Exception
    {
        final TestCertificates certificates = "RSA_2048".equals(algorithm) ? rsa : ec;

        final Exchange exchange = exchange(certificates.serverContext(), certificates.clientContext(), protocol,
            "localhost", false);

        assertEquals(protocol, exchange.clientProtocol());
        assertEquals(protocol, exchange.serverProtocol());
        assertEquals("world", exchange.reply());
        assertEquals("none", exchange.peerSubject());
    }

    @Test
    void hostnameVerificationRefusesAnotherName()
    {
        final SSLHandshakeException ex = assertThrows(SSLHandshakeException.class,
            () -> exchange(ec.serverContext(), ec.clientContext(), "TLSv1.3", "wrong.invalid", false));

        assertTrue(ex.getMessage().contains("wrong.invalid"), ex.getMessage());
    }

    @Test
    void clientNotTrustingTheCaRefusesTheServer()
    {
        assertThrows(SSLHandshakeException.class,
            () -> exchange(ec.serverContext(), rsa.clientContext(), "TLSv1.3", "localhost", false));
    }

    @ParameterizedTest
    @CsvSource({"TLSv1.3", "TLSv1.2"})
    void mutualTlsServerSeesTheClientSubject(final String protocol) throws Exception
    {
        final Exchange exchange = exchange(ec.serverContext(), ec.clientContextWithClientCertificate(), protocol,
            "localhost", true);

        assertEquals("world", exchange.reply());
        assertEquals("CN=" + TestCertificates.DEFAULT_CLIENT_NAME, exchange.peerSubject());
    }

    @Test
    void mutualTlsServerRefusesAClientWithoutCertificate() throws Exception
    {
        final SSLServerSocket listener = listen(ec.serverContext(), "TLSv1.3", true);
        final Future<Exchange> accepted = server.submit(() -> serve(listener));
        try (SSLSocket client = connect(ec.clientContext(), listener, "TLSv1.3", "localhost"))
        {
            client.startHandshake();
            client.getOutputStream().write("hello".getBytes(StandardCharsets.US_ASCII));
            client.getInputStream().readNBytes(5);
        }
        catch (final IOException expected)
        {
            // TLSv1.3: the client learns of the refusal on its first read, or when its write meets the alert.
        }
        final ExecutionException ex = assertThrows(ExecutionException.class,
            () -> accepted.get(SOCKET_TIMEOUT_MS, TimeUnit.MILLISECONDS));
        assertInstanceOf(SSLHandshakeException.class, ex.getCause());
    }

    private static void assertMessage(final TlsConfigurationException ex, final Path file, final String reason)
    {
        final String message = ex.getMessage();
        assertTrue(message.startsWith(file.toAbsolutePath().normalize() + ": " + reason),
            () -> "expected <" + file.toAbsolutePath() + ": " + reason + "...> but was <" + message + ">");
        assertFalse(message.contains("\n") || message.contains("\r"), message);
    }

    private static void assertKeyManagerServes(final TlsCredentials credentials, final String keyType)
    {
        final KeyManager[] managers = credentials.keyManagers();
        assertEquals(1, managers.length);
        final X509KeyManager manager = (X509KeyManager)managers[0];
        final String[] aliases = manager.getServerAliases(keyType, null);
        assertNotNull(aliases);
        assertEquals(1, aliases.length);
        assertArrayEquals(credentials.chain(), manager.getCertificateChain(aliases[0]));
        assertEquals(credentials.privateKey(), manager.getPrivateKey(aliases[0]));
    }

    private static X509TrustManager trustManager(final TrustManager[] managers)
    {
        assertEquals(1, managers.length);
        return (X509TrustManager)managers[0];
    }

    private Exchange exchange(
        final SSLContext serverContext,
        final SSLContext clientContext,
        final String protocol,
        final String hostname,
        final boolean needClientAuth)
        throws Exception
    {
        final SSLServerSocket listener = listen(serverContext, protocol, needClientAuth);
        final Future<Exchange> accepted = server.submit(() -> serve(listener));
        final String clientProtocol;
        final String reply;
        try (SSLSocket client = connect(clientContext, listener, protocol, hostname))
        {
            client.startHandshake();
            clientProtocol = client.getSession().getProtocol();
            final OutputStream out = client.getOutputStream();
            out.write("hello".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            reply = new String(client.getInputStream().readNBytes(5), StandardCharsets.US_ASCII);
        }
        final Exchange served = accepted.get(SOCKET_TIMEOUT_MS, TimeUnit.MILLISECONDS);
        assertEquals("hello", served.reply());
        return new Exchange(clientProtocol, served.serverProtocol(), served.peerSubject(), reply);
    }

    private SSLServerSocket listen(final SSLContext context, final String protocol, final boolean needClientAuth)
        throws IOException
    {
        final SSLServerSocket listener = (SSLServerSocket)context.getServerSocketFactory()
            .createServerSocket(0, 1, InetAddress.getLoopbackAddress());
        closeables.add(listener);
        listener.setSoTimeout(SOCKET_TIMEOUT_MS);
        listener.setEnabledProtocols(new String[] {protocol});
        listener.setNeedClientAuth(needClientAuth);
        return listener;
    }

    /** Accepts one connection, reads "hello", answers "world"; reports what the server saw. */
    private static Exchange serve(final SSLServerSocket listener) throws IOException
    {
        try (SSLSocket socket = (SSLSocket)listener.accept())
        {
            socket.setSoTimeout(SOCKET_TIMEOUT_MS);
            socket.startHandshake();
            final String peer = socket.getNeedClientAuth() ?
                socket.getSession().getPeerPrincipal().getName() : "none";
            final InputStream in = socket.getInputStream();
            final String received = new String(in.readNBytes(5), StandardCharsets.US_ASCII);
            socket.getOutputStream().write("world".getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            return new Exchange(null, socket.getSession().getProtocol(), peer, received);
        }
    }

    /** Connects a plain socket with a timeout, then layers TLS on it for the given host name (SNI and checks). */
    private SSLSocket connect(
        final SSLContext context, final SSLServerSocket listener, final String protocol, final String hostname)
        throws IOException
    {
        final Socket plain = new Socket();
        closeables.add(plain);
        plain.connect(listener.getLocalSocketAddress(), SOCKET_TIMEOUT_MS);
        plain.setSoTimeout(SOCKET_TIMEOUT_MS);
        final SSLSocket socket = (SSLSocket)context.getSocketFactory()
            .createSocket(plain, hostname, listener.getLocalPort(), true);
        final SSLParameters parameters = socket.getSSLParameters();
        parameters.setEndpointIdentificationAlgorithm("HTTPS");
        parameters.setProtocols(new String[] {protocol});
        socket.setSSLParameters(parameters);
        return socket;
    }

    /** What one side saw of an exchange. */
    private record Exchange(String clientProtocol, String serverProtocol, String peerSubject, String reply)
    {
    }
}
