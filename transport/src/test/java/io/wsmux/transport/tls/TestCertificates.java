package io.wsmux.transport.tls;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.regex.Pattern;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;

import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.sec.ECPrivateKey;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.openssl.PKCS8Generator;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.openssl.jcajce.JceOpenSSLPKCS8EncryptorBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.util.io.pem.PemObject;
import org.bouncycastle.util.io.pem.PemObjectGenerator;

/**
 * A throwaway PKI for TLS tests, generated in memory with Bouncy Castle and written as files into a directory: a CA,
 * a server certificate for {@code localhost} signed by it, a client certificate for mutual TLS, an expired and a
 * not-yet-valid server certificate, and keys in the formats {@link TlsCredentials} refuses. EC P-256 by default
 * (milliseconds); RSA 2048 on request.
 * <p>
 * Files written ({@link #PASSWORD} protects every keystore and the encrypted key):
 * <ul>
 * <li>{@code ca.pem}, {@code ca.p12}, {@code ca.jks}: the CA certificate, as PEM and as PKCS#12 and JKS trust
 * stores;</li>
 * <li>{@code server-chain.pem} (leaf then CA), {@code server-key.pem} (PKCS#8), {@code server.p12}: CN=localhost with
 * subjectAltName DNS:localhost, IP:127.0.0.1, IP:::1 and any extra names, extendedKeyUsage serverAuth, valid from
 * an hour ago for 30 days;</li>
 * <li>{@code client-chain.pem}, {@code client-key.pem}, {@code client.p12}: the client's, extendedKeyUsage
 * clientAuth;</li>
 * <li>{@code expired-chain.pem}/{@code expired-key.pem} (expired 30 days ago) and
 * {@code not-yet-valid-chain.pem}/{@code not-yet-valid-key.pem} (valid from 30 days on);</li>
 * <li>{@code other-key.pem}: a PKCS#8 key that matches no certificate;</li>
 * <li>{@code rsa-pkcs1-key.pem} (BEGIN RSA PRIVATE KEY), {@code ec-sec1-key.pem} (BEGIN EC PRIVATE KEY) and
 * {@code encrypted-key.pem} (BEGIN ENCRYPTED PRIVATE KEY): the formats to convert before use.</li>
 * </ul>
 * Run {@link #main} to write them for manual runs and Node or Chromium tests.
 */
public final class TestCertificates
{
    /** The password of every keystore written, and of {@code encrypted-key.pem}. */
    public static final String PASSWORD = "changeit";
    /** The client certificate's common name unless another is given. */
    public static final String DEFAULT_CLIENT_NAME = "wsmux test client";
    /** The CA certificate's subject. */
    public static final String CA_SUBJECT = "CN=wsmux test CA";
    /** The server certificates' subject. */
    public static final String SERVER_SUBJECT = "CN=localhost";

    private static final Pattern IP_LITERAL = Pattern.compile("[0-9]{1,3}(\\.[0-9]{1,3}){3}|.*:.*");
    private static final SecureRandom RANDOM = new SecureRandom();
    /** For the encrypted key alone (the JDK lacks its AES/CBC/PKCS7Padding); never installed as a JCA provider. */
    private static final Provider BOUNCY_CASTLE = new BouncyCastleProvider();
    private static final int SERIAL_BITS = 63;
    private static final int RSA_BITS = 2048;
    private static final int EC_ORDER_BITS = 256;
    private static final Duration BACKDATE = Duration.ofHours(1);
    private static final Duration LEAF_VALIDITY = Duration.ofDays(30);
    private static final Duration CA_VALIDITY = Duration.ofDays(365);

    /** The algorithm of the generated keys (the CA's, server's, client's and other-key.pem). */
    public enum KeyAlgorithm
    {
        /** ECDSA on NIST P-256, signatures SHA256withECDSA: fast to generate. */
        EC_P256,
        /** RSA 2048, signatures SHA256withRSA: a few hundred milliseconds per key. */
        RSA_2048
    }

    private final Path directory;
    private final KeyAlgorithm algorithm;
    private final KeyPair caKeyPair;
    private final X509Certificate caCertificate;
    private final KeyPair serverKeyPair;
    private final X509Certificate serverCertificate;
    private final KeyPair clientKeyPair;
    private final X509Certificate clientCertificate;
    private final KeyPair expiredKeyPair;
    private final X509Certificate expiredCertificate;
    private final KeyPair notYetValidKeyPair;
    private final X509Certificate notYetValidCertificate;
    private final KeyPair otherKeyPair;

    private TestCertificates(
        final Path directory, final KeyAlgorithm algorithm, final String clientName, final String... extraServerNames)
        throws GeneralSecurityException, OperatorCreationException, IOException
    {
        this.directory = directory;
        this.algorithm = algorithm;
        final Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        final Instant from = now.minus(BACKDATE);

        caKeyPair = keyPair(algorithm);
        caCertificate = caCertificate(caKeyPair, from, now.plus(CA_VALIDITY));

        final GeneralNames serverNames = serverNames(extraServerNames);
        serverKeyPair = keyPair(algorithm);
        serverCertificate = leafCertificate(SERVER_SUBJECT, serverKeyPair.getPublic(), from, now.plus(LEAF_VALIDITY),
            KeyPurposeId.id_kp_serverAuth, serverNames);
        clientKeyPair = keyPair(algorithm);
        clientCertificate = leafCertificate("CN=" + clientName, clientKeyPair.getPublic(), from,
            now.plus(LEAF_VALIDITY), KeyPurposeId.id_kp_clientAuth, null);
        expiredKeyPair = keyPair(algorithm);
        expiredCertificate = leafCertificate(SERVER_SUBJECT, expiredKeyPair.getPublic(), now.minus(Duration.ofDays(60)),
            now.minus(LEAF_VALIDITY), KeyPurposeId.id_kp_serverAuth, serverNames);
        notYetValidKeyPair = keyPair(algorithm);
        notYetValidCertificate = leafCertificate(SERVER_SUBJECT, notYetValidKeyPair.getPublic(),
            now.plus(LEAF_VALIDITY), now.plus(Duration.ofDays(60)), KeyPurposeId.id_kp_serverAuth, serverNames);
        otherKeyPair = keyPair(algorithm);

        Files.createDirectories(directory);
        writePem(caPem(), caCertificate);
        writeTrustStore(caP12(), "PKCS12");
        writeTrustStore(caJks(), "JKS");
        writePem(serverChainPem(), serverCertificate, caCertificate);
        writePem(serverKeyPem(), new JcaPKCS8Generator(serverKeyPair.getPrivate(), null));
        writePkcs12(serverP12(), "server", serverKeyPair.getPrivate(), serverCertificate, caCertificate);
        writePem(clientChainPem(), clientCertificate, caCertificate);
        writePem(clientKeyPem(), new JcaPKCS8Generator(clientKeyPair.getPrivate(), null));
        writePkcs12(clientP12(), "client", clientKeyPair.getPrivate(), clientCertificate, caCertificate);
        writePem(expiredChainPem(), expiredCertificate, caCertificate);
        writePem(expiredKeyPem(), new JcaPKCS8Generator(expiredKeyPair.getPrivate(), null));
        writePem(notYetValidChainPem(), notYetValidCertificate, caCertificate);
        writePem(notYetValidKeyPem(), new JcaPKCS8Generator(notYetValidKeyPair.getPrivate(), null));
        writePem(otherKeyPem(), new JcaPKCS8Generator(otherKeyPair.getPrivate(), null));
        // JcaPEMWriter writes a bare RSA private key as PKCS#1 (OpenSSL's traditional format).
        writePem(rsaPkcs1KeyPem(), algorithm == KeyAlgorithm.RSA_2048 ?
            serverKeyPair.getPrivate() : keyPair(KeyAlgorithm.RSA_2048).getPrivate());
        writePem(ecSec1KeyPem(),
            sec1(algorithm == KeyAlgorithm.EC_P256 ? serverKeyPair : keyPair(KeyAlgorithm.EC_P256)));
        writePem(encryptedKeyPem(), new JcaPKCS8Generator(serverKeyPair.getPrivate(),
            new JceOpenSSLPKCS8EncryptorBuilder(PKCS8Generator.AES_256_CBC)
                .setProvider(BOUNCY_CASTLE)
                .setRandom(RANDOM)
                .setPassword(PASSWORD.toCharArray())
                .build()));
    }

    /**
     * Generates EC P-256 certificates with the default client name and writes them into a directory.
     *
     * @param directory where the files go; created if missing.
     * @return the certificates, keys and file paths.
     */
    public static TestCertificates create(final Path directory)
    {
        return create(directory, KeyAlgorithm.EC_P256, DEFAULT_CLIENT_NAME);
    }

    /**
     * Generates the certificates and writes them into a directory.
     *
     * @param directory        where the files go; created if missing.
     * @param algorithm        the algorithm of every key.
     * @param clientName       the client certificate's common name.
     * @param extraServerNames subjectAltNames added to the server certificates: IP literals as IP addresses, other
     *                         names as DNS names.
     * @return the certificates, keys and file paths.
     */
    public static TestCertificates create(
        final Path directory, final KeyAlgorithm algorithm, final String clientName, final String... extraServerNames)
    {
        try
        {
            return new TestCertificates(directory, algorithm, clientName, extraServerNames);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
        catch (final GeneralSecurityException | OperatorCreationException ex)
        {
            throw new IllegalStateException("cannot generate the test certificates", ex);
        }
    }

    /**
     * Writes every file into a directory and prints where, with the server key's SPKI hash for Chromium's
     * {@code --ignore-certificate-errors-spki-list}.
     *
     * @param args the directory, then optionally {@code rsa} for RSA 2048 keys, then extra server names.
     */
    public static void main(final String[] args)
    {
        if (args.length < 1)
        {
            System.err.println("usage: TestCertificates DIRECTORY [ec|rsa] [EXTRA_SERVER_NAME...]");
            System.exit(2);
        }
        final KeyAlgorithm algorithm = args.length > 1 && "rsa".equalsIgnoreCase(args[1]) ?
            KeyAlgorithm.RSA_2048 : KeyAlgorithm.EC_P256;
        final String[] extraNames = args.length > 2 ? Arrays.copyOfRange(args, 2, args.length) : new String[0];
        final TestCertificates certificates = create(Path.of(args[0]), algorithm, DEFAULT_CLIENT_NAME, extraNames);
        System.out.println("wrote " + algorithm + " test certificates to "
            + certificates.directory().toAbsolutePath() + " (keystore password " + PASSWORD + ")");
        System.out.println("server SPKI sha256 (base64): " + certificates.serverSpkiSha256Base64());
    }

    /**
     * @return base64 of SHA-256 over the server certificate's SubjectPublicKeyInfo, as Chromium's
     *         {@code --ignore-certificate-errors-spki-list} takes it.
     */
    public String serverSpkiSha256Base64()
    {
        return spkiSha256Base64(serverCertificate.getPublicKey());
    }

    /**
     * @param publicKey any public key.
     * @return base64 of SHA-256 over its SubjectPublicKeyInfo encoding.
     */
    public static String spkiSha256Base64(final PublicKey publicKey)
    {
        try
        {
            return Base64.getEncoder().encodeToString(
                MessageDigest.getInstance("SHA-256").digest(publicKey.getEncoded()));
        }
        catch (final GeneralSecurityException ex)
        {
            throw new IllegalStateException("no SHA-256", ex);
        }
    }

    /**
     * @return the server's credentials, loaded from {@code server-chain.pem} and {@code server-key.pem}.
     */
    public TlsCredentials serverCredentials()
    {
        return TlsCredentials.pem(serverChainPem(), serverKeyPem());
    }

    /**
     * @return the client's credentials, loaded from {@code client-chain.pem} and {@code client-key.pem}.
     */
    public TlsCredentials clientCredentials()
    {
        return TlsCredentials.pem(clientChainPem(), clientKeyPem());
    }

    /**
     * @return trust managers trusting the CA alone, loaded from {@code ca.pem}.
     */
    public TrustManager[] caTrustManagers()
    {
        return TlsCredentials.trustManagers(caPem(), null);
    }

    /**
     * @return a server context with the server's credentials that trusts client certificates issued by the CA
     *         (whether it asks for them is the engine's setting).
     */
    public SSLContext serverContext()
    {
        return TlsCredentials.serverContext(serverCredentials(), caTrustManagers());
    }

    /**
     * @return a client context trusting the CA alone, without a client certificate.
     */
    public SSLContext clientContext()
    {
        return TlsCredentials.clientContext(caTrustManagers());
    }

    /**
     * @return a client context trusting the CA alone that presents the client certificate.
     */
    public SSLContext clientContextWithClientCertificate()
    {
        try
        {
            final SSLContext context = SSLContext.getInstance("TLS");
            context.init(clientCredentials().keyManagers(), caTrustManagers(), new SecureRandom());
            return context;
        }
        catch (final GeneralSecurityException ex)
        {
            throw new IllegalStateException("cannot build the client's TLS context", ex);
        }
    }

    /**
     * @return the password of the keystores and the encrypted key, as a new array.
     */
    public static char[] password()
    {
        return PASSWORD.toCharArray();
    }

    /**
     * @return the directory the files were written to.
     */
    public Path directory()
    {
        return directory;
    }

    /**
     * @return the algorithm of the keys.
     */
    public KeyAlgorithm algorithm()
    {
        return algorithm;
    }

    /**
     * @return the CA's self-signed certificate.
     */
    public X509Certificate caCertificate()
    {
        return caCertificate;
    }

    /**
     * @return the CA's keys.
     */
    public KeyPair caKeyPair()
    {
        return caKeyPair;
    }

    /**
     * @return the server certificate (CN=localhost), valid now.
     */
    public X509Certificate serverCertificate()
    {
        return serverCertificate;
    }

    /**
     * @return the server certificate's keys.
     */
    public KeyPair serverKeyPair()
    {
        return serverKeyPair;
    }

    /**
     * @return the client certificate, valid now.
     */
    public X509Certificate clientCertificate()
    {
        return clientCertificate;
    }

    /**
     * @return the client certificate's keys.
     */
    public KeyPair clientKeyPair()
    {
        return clientKeyPair;
    }

    /**
     * @return a server certificate that expired 30 days ago.
     */
    public X509Certificate expiredCertificate()
    {
        return expiredCertificate;
    }

    /**
     * @return the expired certificate's keys.
     */
    public KeyPair expiredKeyPair()
    {
        return expiredKeyPair;
    }

    /**
     * @return a server certificate valid from 30 days on.
     */
    public X509Certificate notYetValidCertificate()
    {
        return notYetValidCertificate;
    }

    /**
     * @return the not-yet-valid certificate's keys.
     */
    public KeyPair notYetValidKeyPair()
    {
        return notYetValidKeyPair;
    }

    /**
     * @return keys that match no certificate.
     */
    public KeyPair otherKeyPair()
    {
        return otherKeyPair;
    }

    /**
     * @return {@code ca.pem}: the CA certificate.
     */
    public Path caPem()
    {
        return directory.resolve("ca.pem");
    }

    /**
     * @return {@code ca.p12}: a PKCS#12 trust store holding the CA certificate.
     */
    public Path caP12()
    {
        return directory.resolve("ca.p12");
    }

    /**
     * @return {@code ca.jks}: a JKS trust store holding the CA certificate.
     */
    public Path caJks()
    {
        return directory.resolve("ca.jks");
    }

    /**
     * @return {@code server-chain.pem}: the server certificate then the CA's.
     */
    public Path serverChainPem()
    {
        return directory.resolve("server-chain.pem");
    }

    /**
     * @return {@code server-key.pem}: the server's PKCS#8 private key.
     */
    public Path serverKeyPem()
    {
        return directory.resolve("server-key.pem");
    }

    /**
     * @return {@code server.p12}: the server's key and chain, alias "server".
     */
    public Path serverP12()
    {
        return directory.resolve("server.p12");
    }

    /**
     * @return {@code client-chain.pem}: the client certificate then the CA's.
     */
    public Path clientChainPem()
    {
        return directory.resolve("client-chain.pem");
    }

    /**
     * @return {@code client-key.pem}: the client's PKCS#8 private key.
     */
    public Path clientKeyPem()
    {
        return directory.resolve("client-key.pem");
    }

    /**
     * @return {@code client.p12}: the client's key and chain, alias "client".
     */
    public Path clientP12()
    {
        return directory.resolve("client.p12");
    }

    /**
     * @return {@code expired-chain.pem}: the expired certificate then the CA's.
     */
    public Path expiredChainPem()
    {
        return directory.resolve("expired-chain.pem");
    }

    /**
     * @return {@code expired-key.pem}: the expired certificate's PKCS#8 key.
     */
    public Path expiredKeyPem()
    {
        return directory.resolve("expired-key.pem");
    }

    /**
     * @return {@code not-yet-valid-chain.pem}: the not-yet-valid certificate then the CA's.
     */
    public Path notYetValidChainPem()
    {
        return directory.resolve("not-yet-valid-chain.pem");
    }

    /**
     * @return {@code not-yet-valid-key.pem}: the not-yet-valid certificate's PKCS#8 key.
     */
    public Path notYetValidKeyPem()
    {
        return directory.resolve("not-yet-valid-key.pem");
    }

    /**
     * @return {@code other-key.pem}: a PKCS#8 key matching no certificate.
     */
    public Path otherKeyPem()
    {
        return directory.resolve("other-key.pem");
    }

    /**
     * @return {@code rsa-pkcs1-key.pem}: an RSA key as PKCS#1 (BEGIN RSA PRIVATE KEY); the server's key when the
     *         algorithm is RSA.
     */
    public Path rsaPkcs1KeyPem()
    {
        return directory.resolve("rsa-pkcs1-key.pem");
    }

    /**
     * @return {@code ec-sec1-key.pem}: an EC key as SEC1 (BEGIN EC PRIVATE KEY); the server's key when the algorithm
     *         is EC.
     */
    public Path ecSec1KeyPem()
    {
        return directory.resolve("ec-sec1-key.pem");
    }

    /**
     * @return {@code encrypted-key.pem}: the server's key as encrypted PKCS#8 (BEGIN ENCRYPTED PRIVATE KEY, AES-256-CBC
     *         under {@link #PASSWORD}).
     */
    public Path encryptedKeyPem()
    {
        return directory.resolve("encrypted-key.pem");
    }

    private static KeyPair keyPair(final KeyAlgorithm algorithm) throws GeneralSecurityException
    {
        if (algorithm == KeyAlgorithm.RSA_2048)
        {
            final KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(RSA_BITS, RANDOM);
            return generator.generateKeyPair();
        }
        final KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
        return generator.generateKeyPair();
    }

    private static String signatureAlgorithm(final PrivateKey signer)
    {
        return "RSA".equals(signer.getAlgorithm()) ? "SHA256withRSA" : "SHA256withECDSA";
    }

    private static BigInteger serial()
    {
        return new BigInteger(SERIAL_BITS, RANDOM).add(BigInteger.ONE);
    }

    private static X509Certificate caCertificate(final KeyPair keys, final Instant from, final Instant until)
        throws GeneralSecurityException, OperatorCreationException, IOException
    {
        final X500Name name = new X500Name(CA_SUBJECT);
        final JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
        final X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(
            name, serial(), Date.from(from), Date.from(until), name, keys.getPublic())
            .addExtension(Extension.basicConstraints, true, new BasicConstraints(true))
            .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
            .addExtension(Extension.subjectKeyIdentifier, false,
                extensions.createSubjectKeyIdentifier(keys.getPublic()));
        return new JcaX509CertificateConverter().getCertificate(
            builder.build(new JcaContentSignerBuilder(signatureAlgorithm(keys.getPrivate())).build(keys.getPrivate())));
    }

    private X509Certificate leafCertificate(
        final String subject,
        final PublicKey publicKey,
        final Instant from,
        final Instant until,
        final KeyPurposeId purpose,
        final GeneralNames subjectAltNames)
        throws GeneralSecurityException, OperatorCreationException, IOException
    {
        final JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
        final int keyUsage = "RSA".equals(publicKey.getAlgorithm()) ?
            KeyUsage.digitalSignature | KeyUsage.keyEncipherment : KeyUsage.digitalSignature;
        final X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(
            caCertificate, serial(), Date.from(from), Date.from(until), new X500Name(subject), publicKey)
            .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
            .addExtension(Extension.keyUsage, true, new KeyUsage(keyUsage))
            .addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(purpose))
            .addExtension(Extension.subjectKeyIdentifier, false, extensions.createSubjectKeyIdentifier(publicKey))
            .addExtension(Extension.authorityKeyIdentifier, false,
                extensions.createAuthorityKeyIdentifier(caCertificate));
        if (null != subjectAltNames)
        {
            builder.addExtension(Extension.subjectAlternativeName, false, subjectAltNames);
        }
        final PrivateKey signer = caKeyPair.getPrivate();
        return new JcaX509CertificateConverter().getCertificate(
            builder.build(new JcaContentSignerBuilder(signatureAlgorithm(signer)).build(signer)));
    }

    private static GeneralNames serverNames(final String... extraNames)
    {
        final List<GeneralName> names = new ArrayList<>();
        names.add(new GeneralName(GeneralName.dNSName, "localhost"));
        names.add(new GeneralName(GeneralName.iPAddress, "127.0.0.1"));
        names.add(new GeneralName(GeneralName.iPAddress, "::1"));
        for (final String name : extraNames)
        {
            names.add(new GeneralName(IP_LITERAL.matcher(name).matches() ?
                GeneralName.iPAddress : GeneralName.dNSName, name));
        }
        return new GeneralNames(names.toArray(new GeneralName[0]));
    }

    /**
     * SEC1 as {@code openssl ec} writes it, with the curve and the public key: the JDK's PKCS#8 encoding leaves both
     * out of the inner structure (the curve is in the outer one), so writing the key as it comes would lose the curve.
     */
    private static PemObject sec1(final KeyPair keys) throws IOException
    {
        final PrivateKeyInfo info = PrivateKeyInfo.getInstance(keys.getPrivate().getEncoded());
        final ECPrivateKey inner = ECPrivateKey.getInstance(info.parsePrivateKey());
        final ECPrivateKey sec1 = new ECPrivateKey(EC_ORDER_BITS, inner.getKey(),
            SubjectPublicKeyInfo.getInstance(keys.getPublic().getEncoded()).getPublicKeyData(),
            info.getPrivateKeyAlgorithm().getParameters());
        return new PemObject("EC PRIVATE KEY", sec1.getEncoded());
    }

    private static void writePem(final Path file, final Object... objects) throws IOException
    {
        try (Writer out = Files.newBufferedWriter(file, StandardCharsets.US_ASCII);
            JcaPEMWriter writer = new JcaPEMWriter(out))
        {
            for (final Object object : objects)
            {
                if (object instanceof PemObjectGenerator)
                {
                    writer.writeObject((PemObjectGenerator)object);
                }
                else
                {
                    writer.writeObject(object);
                }
            }
        }
    }

    private static void writePkcs12(
        final Path file, final String alias, final PrivateKey key, final X509Certificate... chain)
        throws GeneralSecurityException, IOException
    {
        final KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        store.setKeyEntry(alias, key, password(), chain);
        try (OutputStream out = Files.newOutputStream(file))
        {
            store.store(out, password());
        }
    }

    private void writeTrustStore(final Path file, final String type) throws GeneralSecurityException, IOException
    {
        final KeyStore store = KeyStore.getInstance(type);
        store.load(null, null);
        store.setCertificateEntry("ca", caCertificate);
        try (OutputStream out = Files.newOutputStream(file))
        {
            store.store(out, password());
        }
    }
}
