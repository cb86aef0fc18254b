package io.wsmux.transport.tls;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.KeyStoreException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.UnrecoverableKeyException;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.interfaces.RSAKey;
import java.security.spec.AlgorithmParameterSpec;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.PSSParameterSpec;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.security.auth.x500.X500Principal;

/**
 * A TLS identity, a certificate chain (leaf first) and the leaf's private key, loaded from PEM or PKCS#12 files with
 * the JDK alone, plus the trust managers and {@link SSLContext}s built from such files.
 * <p>
 * Everything is checked when loaded, so that a misconfigured server fails at start with a one-line
 * {@link TlsConfigurationException} naming the file and the reason, not at its first handshake: the file exists and
 * is readable; it is PEM (or PKCS#12) and holds what it should; the certificates form a chain, each issued by the
 * next; the leaf is valid now (neither expired nor not yet valid); the private key matches the leaf's public key
 * (checked by signing random bytes with the key and verifying them with the certificate).
 * <p>
 * Private keys are read only as unencrypted PKCS#8 ({@code -----BEGIN PRIVATE KEY-----}) in RSA, EC, Ed25519, Ed448
 * or RSASSA-PSS; PKCS#1 ({@code BEGIN RSA PRIVATE KEY}), SEC1 ({@code BEGIN EC PRIVATE KEY}) and encrypted PKCS#8
 * ({@code BEGIN ENCRYPTED PRIVATE KEY}) are refused with the command that converts them:
 * {@code openssl pkcs8 -topk8 -nocrypt -in KEY -out KEY.pk8}.
 * <p>
 * Immutable and thread safe once loaded.
 */
public final class TlsCredentials
{
    private static final String[] KEY_ALGORITHMS = {"RSA", "EC", "Ed25519", "Ed448", "RSASSA-PSS"};
    private static final Pattern PEM_BLOCK =
        Pattern.compile("-----BEGIN ([A-Z0-9 ]+)-----(.*?)-----END \\1-----", Pattern.DOTALL);
    private static final Pattern PEM_BEGIN = Pattern.compile("-----BEGIN [A-Z0-9 ]+-----");
    private static final Pattern SHELL_SAFE = Pattern.compile("[A-Za-z0-9_./+:=@%-]+");
    private static final String CERTIFICATE = "CERTIFICATE";
    private static final String PRIVATE_KEY = "PRIVATE KEY";
    private static final String IN_MEMORY_ALIAS = "wsmux";
    private static final int DER_SEQUENCE = 0x30;
    private static final int PROBE_LENGTH = 32;
    private static final int PSS_SALT_LENGTH = 32;

    private final X509Certificate[] chain;
    private final PrivateKey privateKey;
    private final KeyManager[] keyManagers;

    private TlsCredentials(final Path keyFile, final X509Certificate[] chain, final PrivateKey privateKey)
    {
        this.chain = chain;
        this.privateKey = privateKey;
        this.keyManagers = keyManagers(keyFile, chain, privateKey);
    }

    /**
     * Loads PEM files as most tools write them (certbot's {@code fullchain.pem} and {@code privkey.pem}, for one),
     * checked against the current time.
     *
     * @param certificateChain PEM file of one or more certificates, the server's own first, then each one's issuer;
     *                         other PEM blocks in it (a private key, say) are ignored.
     * @param privateKey       PEM file holding one unencrypted PKCS#8 private key ({@code BEGIN PRIVATE KEY}); may
     *                         be the same file as the chain.
     * @return the checked credentials.
     * @throws TlsConfigurationException if a file is missing, unreadable or malformed, the leaf certificate is not
     *                                   valid now, or the key does not match it.
     */
    public static TlsCredentials pem(final Path certificateChain, final Path privateKey)
    {
        return pem(certificateChain, privateKey, Instant.now());
    }

    /**
     * {@link #pem(Path, Path)} checked against a given time, for tests.
     *
     * @param certificateChain PEM file of one or more certificates, leaf first.
     * @param privateKey       PEM file holding one unencrypted PKCS#8 private key.
     * @param now              the time at which the leaf certificate must be valid.
     * @return the checked credentials.
     */
    static TlsCredentials pem(final Path certificateChain, final Path privateKey, final Instant now)
    {
        final X509Certificate[] chain = pemCertificates(certificateChain, read(certificateChain));
        final PrivateKey key = pemPrivateKey(privateKey, read(privateKey));
        return checked(certificateChain, privateKey, chain, key, now);
    }

    /**
     * Loads a PKCS#12 keystore ({@code .p12}, {@code .pfx}), checked against the current time. It should hold one
     * private-key entry; if it holds several, the first alias in sorted order is taken and the others ignored.
     * Certificate-only entries are ignored. The key entry's password must be the keystore's.
     *
     * @param keystore the PKCS#12 file.
     * @param password its password; null is taken as the empty password.
     * @return the checked credentials.
     * @throws TlsConfigurationException if the file is missing or unreadable, the password is wrong, it holds no
     *                                   private key, the leaf certificate is not valid now, or the key does not match.
     */
    public static TlsCredentials pkcs12(final Path keystore, final char[] password)
    {
        return pkcs12(keystore, password, Instant.now());
    }

    /**
     * {@link #pkcs12(Path, char[])} checked against a given time, for tests.
     *
     * @param keystore the PKCS#12 file.
     * @param password its password; null is taken as the empty password.
     * @param now      the time at which the leaf certificate must be valid.
     * @return the checked credentials.
     */
    static TlsCredentials pkcs12(final Path keystore, final char[] password, final Instant now)
    {
        final byte[] bytes = read(keystore);
        if (looksLikePem(bytes))
        {
            throw new TlsConfigurationException(
                keystore, "is PEM text, not PKCS#12: load PEM files with TlsCredentials.pem(chain, key)");
        }
        final char[] secret = null == password ? new char[0] : password;
        final KeyStore store;
        try
        {
            store = KeyStore.getInstance("PKCS12");
            store.load(new ByteArrayInputStream(bytes), secret);
        }
        catch (final IOException ex)
        {
            throw new TlsConfigurationException(keystore, "wrong password (or not a PKCS#12 file)", ex);
        }
        catch (final GeneralSecurityException ex)
        {
            throw new TlsConfigurationException(keystore, "cannot be read as PKCS#12: " + ex.getMessage(), ex);
        }

        try
        {
            final List<String> aliases = Collections.list(store.aliases());
            Collections.sort(aliases);
            for (final String alias : aliases)
            {
                if (!store.isKeyEntry(alias))
                {
                    continue;
                }
                final Key key;
                try
                {
                    key = store.getKey(alias, secret);
                }
                catch (final UnrecoverableKeyException ex)
                {
                    throw new TlsConfigurationException(
                        keystore, "the key entry '" + alias + "' has a password other than the keystore's", ex);
                }
                if (!(key instanceof PrivateKey))
                {
                    continue;
                }
                final Certificate[] certificates = store.getCertificateChain(alias);
                if (null == certificates || 0 == certificates.length)
                {
                    throw new TlsConfigurationException(
                        keystore, "the key entry '" + alias + "' has no certificate chain");
                }
                final X509Certificate[] chain = new X509Certificate[certificates.length];
                for (int i = 0; i < certificates.length; i++)
                {
                    if (!(certificates[i] instanceof X509Certificate))
                    {
                        throw new TlsConfigurationException(
                            keystore, "the key entry '" + alias + "' holds a certificate that is not X.509");
                    }
                    chain[i] = (X509Certificate)certificates[i];
                }
                return checked(keystore, keystore, chain, (PrivateKey)key, now);
            }
        }
        catch (final GeneralSecurityException ex)
        {
            throw new TlsConfigurationException(keystore, "cannot be read as PKCS#12: " + ex.getMessage(), ex);
        }
        final int certificates = countEntries(store);
        throw new TlsConfigurationException(keystore, "holds no private key entry (" + certificates
            + (1 == certificates ? " certificate entry" : " certificate entries") + ": a trust store?)");
    }

    /**
     * Trust managers for the certificates of certification authorities: the server's, to check clients'
     * certificates (mutual TLS), or a client's, to check the server's.
     *
     * @param trustFile      a PEM bundle of one or more CA certificates, or a PKCS#12 or JKS keystore whose
     *                       certificate entries (and the leaf certificates of its key entries) are trusted.
     * @param passwordOrNull the keystore's password; null for a PEM bundle, or to read a keystore without checking
     *                       its integrity (a PKCS#12 file's certificates are then unreadable if encrypted).
     * @return the PKIX trust managers.
     * @throws TlsConfigurationException if the file is missing, unreadable, of another format, the password is
     *                                   wrong, or it holds no certificate.
     */
    public static TrustManager[] trustManagers(final Path trustFile, final char[] passwordOrNull)
    {
        final byte[] bytes = read(trustFile);
        final KeyStore store;
        if (looksLikePem(bytes))
        {
            final X509Certificate[] certificates = pemCertificates(trustFile, bytes);
            try
            {
                store = KeyStore.getInstance("PKCS12");
                store.load(null, null);
                for (int i = 0; i < certificates.length; i++)
                {
                    store.setCertificateEntry("ca-" + i, certificates[i]);
                }
            }
            catch (final IOException | GeneralSecurityException ex)
            {
                throw new IllegalStateException("JDK cannot build an in-memory PKCS#12 keystore", ex);
            }
        }
        else
        {
            store = keyStore(trustFile, bytes, passwordOrNull);
            if (0 == countEntries(store))
            {
                throw new TlsConfigurationException(trustFile, "holds no certificate" + (null == passwordOrNull ?
                    " (no password given: a PKCS#12 file's certificates are usually encrypted under it)" : ""));
            }
        }
        try
        {
            final TrustManagerFactory factory = TrustManagerFactory.getInstance("PKIX");
            factory.init(store);
            return factory.getTrustManagers();
        }
        catch (final GeneralSecurityException ex)
        {
            throw new TlsConfigurationException(trustFile, "cannot be used as a trust store: " + ex.getMessage(), ex);
        }
    }

    /**
     * A server's TLS context. Whether client certificates are requested or required is set on each engine
     * ({@code SSLEngine.setNeedClientAuth}), not here.
     *
     * @param credentials the server's certificate chain and key.
     * @param clientTrust trust managers for client certificates (see {@link #trustManagers}), or null for the JDK's
     *                    default trust store.
     * @return a new context for protocol "TLS" (TLSv1.3 and TLSv1.2 enabled by the JDK's defaults).
     */
    public static SSLContext serverContext(final TlsCredentials credentials, final TrustManager[] clientTrust)
    {
        return context(credentials.keyManagers(), clientTrust);
    }

    /**
     * A client's TLS context, without a client certificate. Hostname verification is the connecting code's choice
     * ({@code SSLParameters.setEndpointIdentificationAlgorithm("HTTPS")}).
     *
     * @param trust trust managers for the server's certificate (see {@link #trustManagers}), or null for the JDK's
     *              default trust store.
     * @return a new context for protocol "TLS".
     */
    public static SSLContext clientContext(final TrustManager[] trust)
    {
        return context(null, trust);
    }

    /**
     * @return the certificate chain, leaf first (a copy).
     */
    public X509Certificate[] chain()
    {
        return chain.clone();
    }

    /**
     * @return the leaf certificate's private key.
     */
    public PrivateKey privateKey()
    {
        return privateKey;
    }

    /**
     * @return when the leaf certificate expires.
     */
    public Instant notAfter()
    {
        return chain[0].getNotAfter().toInstant();
    }

    /**
     * @return the leaf certificate's subject, RFC 2253 form ({@code CN=localhost}).
     */
    public String subject()
    {
        return subjectOf(chain[0]);
    }

    /**
     * @return SunX509 key managers over an in-memory PKCS#12 keystore holding this chain and key as its one entry,
     *         read once (a copy of the array; the managers themselves are shared).
     */
    public KeyManager[] keyManagers()
    {
        return keyManagers.clone();
    }

    private static SSLContext context(final KeyManager[] keyManagers, final TrustManager[] trustManagers)
    {
        try
        {
            final SSLContext context = SSLContext.getInstance("TLS");
            context.init(keyManagers, trustManagers, new SecureRandom());
            return context;
        }
        catch (final GeneralSecurityException ex)
        {
            throw new IllegalStateException("JDK cannot build a TLS context", ex);
        }
    }

    private static TlsCredentials checked(
        final Path chainFile,
        final Path keyFile,
        final X509Certificate[] chain,
        final PrivateKey key,
        final Instant now)
    {
        final X509Certificate leaf = chain[0];
        final boolean matchesLeaf = matches(key, leaf);
        if (!matchesLeaf)
        {
            for (int i = 1; i < chain.length; i++)
            {
                if (matches(key, chain[i]))
                {
                    throw new TlsConfigurationException(chainFile, "the chain is not leaf first: the private key "
                        + "matches certificate #" + (i + 1) + " (" + subjectOf(chain[i]) + "), not the first ("
                        + subjectOf(leaf) + ")");
                }
            }
        }
        checkChainOrder(chainFile, chain);
        if (!matchesLeaf)
        {
            final String where =
                chainFile.equals(keyFile) ? "" : " in " + TlsConfigurationException.absolute(chainFile);
            final String algorithms = algorithmFamily(key.getAlgorithm())
                .equals(algorithmFamily(leaf.getPublicKey().getAlgorithm())) ? "" :
                "; the key is " + key.getAlgorithm() + ", the certificate's " + leaf.getPublicKey().getAlgorithm();
            throw new TlsConfigurationException(keyFile, "private key does not match the certificate's public key ("
                + subjectOf(leaf) + where + ")" + algorithms);
        }
        final Instant notAfter = leaf.getNotAfter().toInstant();
        final Instant notBefore = leaf.getNotBefore().toInstant();
        if (now.isAfter(notAfter))
        {
            throw new TlsConfigurationException(
                chainFile, "certificate " + subjectOf(leaf) + " expired on " + notAfter);
        }
        if (now.isBefore(notBefore))
        {
            throw new TlsConfigurationException(
                chainFile, "certificate " + subjectOf(leaf) + " is not yet valid: valid from " + notBefore);
        }
        return new TlsCredentials(keyFile, chain, key);
    }

    /** The JDK's PKCS#12 keystore refuses a chain in which a certificate is not issued by the next, or repeats. */
    private static void checkChainOrder(final Path chainFile, final X509Certificate[] chain)
    {
        final Set<X509Certificate> seen = new HashSet<>();
        for (int i = 0; i < chain.length; i++)
        {
            if (!seen.add(chain[i]))
            {
                throw new TlsConfigurationException(chainFile, "certificate #" + (i + 1) + " ("
                    + subjectOf(chain[i]) + ") appears twice in the chain");
            }
            if (i + 1 < chain.length
                && !chain[i].getIssuerX500Principal().equals(chain[i + 1].getSubjectX500Principal()))
            {
                throw new TlsConfigurationException(chainFile, "certificate #" + (i + 2) + " ("
                    + subjectOf(chain[i + 1]) + ") did not issue certificate #" + (i + 1) + " ("
                    + subjectOf(chain[i]) + ", issued by "
                    + chain[i].getIssuerX500Principal().getName(X500Principal.RFC2253)
                    + "): the chain must be leaf first, each certificate followed by its issuer");
            }
        }
    }

    private static boolean matches(final PrivateKey key, final X509Certificate certificate)
    {
        final PublicKey publicKey = certificate.getPublicKey();
        if (!algorithmFamily(key.getAlgorithm()).equals(algorithmFamily(publicKey.getAlgorithm())))
        {
            return false;
        }
        try
        {
            final byte[] probe = new byte[PROBE_LENGTH];
            new SecureRandom().nextBytes(probe);
            final Signature signer = signature(key.getAlgorithm());
            signer.initSign(key);
            pssParameters(signer, key);
            signer.update(probe);
            final byte[] signed = signer.sign();

            final Signature verifier = signature(key.getAlgorithm());
            verifier.initVerify(publicKey);
            pssParameters(verifier, key);
            verifier.update(probe);
            return verifier.verify(signed);
        }
        catch (final GeneralSecurityException | IllegalArgumentException ex)
        {
            return false;
        }
    }

    private static Signature signature(final String keyAlgorithm) throws GeneralSecurityException
    {
        switch (algorithmFamily(keyAlgorithm))
        {
            case "RSA":
                return Signature.getInstance("SHA256withRSA");
            case "EC":
                return Signature.getInstance("SHA256withECDSA");
            case "EdDSA":
                return Signature.getInstance("EdDSA");
            case "RSASSA-PSS":
                return Signature.getInstance("RSASSA-PSS");
            default:
                throw new GeneralSecurityException("unsupported key algorithm " + keyAlgorithm);
        }
    }

    private static void pssParameters(final Signature signature, final PrivateKey key) throws GeneralSecurityException
    {
        if ("RSASSA-PSS".equals(algorithmFamily(key.getAlgorithm())))
        {
            final AlgorithmParameterSpec keyParameters = key instanceof RSAKey ? ((RSAKey)key).getParams() : null;
            signature.setParameter(null != keyParameters ? keyParameters : new PSSParameterSpec(
                "SHA-256", "MGF1", MGF1ParameterSpec.SHA256, PSS_SALT_LENGTH, PSSParameterSpec.TRAILER_FIELD_BC));
        }
    }

    private static String algorithmFamily(final String algorithm)
    {
        switch (algorithm)
        {
            case "Ed25519":
            case "Ed448":
            case "EdDSA":
                return "EdDSA";
            case "ECDSA":
                return "EC";
            default:
                return algorithm;
        }
    }

    private static KeyManager[] keyManagers(final Path keyFile, final X509Certificate[] chain, final PrivateKey key)
    {
        final char[] password = IN_MEMORY_ALIAS.toCharArray();
        try
        {
            final KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            store.setKeyEntry(IN_MEMORY_ALIAS, key, password, chain);
            // SunX509 reads the key out of the store once, here; PKIX would read it again, decrypting the PKCS#12
            // entry, on every handshake: a new key object each time (retained by each session: ~400 bytes per
            // connection) and the decryption's CPU per handshake. One certificate needs none of PKIX's choosing.
            final KeyManagerFactory factory = KeyManagerFactory.getInstance("SunX509");
            factory.init(store, password);
            return factory.getKeyManagers();
        }
        catch (final IOException | GeneralSecurityException | IllegalArgumentException ex)
        {
            throw new TlsConfigurationException(keyFile, "the JDK refuses this key and chain: " + ex.getMessage(), ex);
        }
    }

    private static X509Certificate[] pemCertificates(final Path file, final byte[] bytes)
    {
        final List<PemBlock> blocks = pemBlocks(file, bytes, CERTIFICATE);
        final StringBuilder certificates = new StringBuilder();
        for (final PemBlock block : blocks)
        {
            if (CERTIFICATE.equals(block.type()))
            {
                certificates.append(block.text()).append('\n');
            }
        }
        if (0 == certificates.length())
        {
            throw new TlsConfigurationException(
                file, "holds no certificate (no -----BEGIN CERTIFICATE----- block; found " + types(blocks) + ")");
        }
        final Collection<? extends Certificate> parsed;
        try
        {
            parsed = CertificateFactory.getInstance("X.509").generateCertificates(
                new ByteArrayInputStream(certificates.toString().getBytes(StandardCharsets.ISO_8859_1)));
        }
        catch (final CertificateException ex)
        {
            throw new TlsConfigurationException(file, "malformed certificate: " + ex.getMessage(), ex);
        }
        if (parsed.isEmpty())
        {
            throw new TlsConfigurationException(file, "holds no certificate (empty chain)");
        }
        final X509Certificate[] chain = new X509Certificate[parsed.size()];
        int i = 0;
        for (final Certificate certificate : parsed)
        {
            chain[i++] = (X509Certificate)certificate;
        }
        return chain;
    }

    private static PrivateKey pemPrivateKey(final Path file, final byte[] bytes)
    {
        final List<PemBlock> blocks = pemBlocks(file, bytes, PRIVATE_KEY);
        final List<PemBlock> keys = new ArrayList<>();
        for (final PemBlock block : blocks)
        {
            if (block.type().endsWith(PRIVATE_KEY))
            {
                keys.add(block);
            }
        }
        if (keys.isEmpty())
        {
            throw new TlsConfigurationException(
                file, "holds no private key (no -----BEGIN PRIVATE KEY----- block; found " + types(blocks) + ")");
        }
        if (keys.size() > 1)
        {
            throw new TlsConfigurationException(file, "holds " + keys.size() + " private keys; expected one");
        }
        final PemBlock block = keys.get(0);
        final String convert = "; convert it to unencrypted PKCS#8 (BEGIN PRIVATE KEY): "
            + "openssl pkcs8 -topk8 -nocrypt -in " + shellWord(file) + " -out " + shellWord(file) + ".pk8";
        switch (block.type())
        {
            case PRIVATE_KEY:
                break;
            case "RSA PRIVATE KEY":
                throw new TlsConfigurationException(file, "is a PKCS#1 RSA private key (BEGIN RSA PRIVATE KEY)"
                    + (block.body().contains("Proc-Type:") ? ", encrypted" : "") + convert);
            case "EC PRIVATE KEY":
                throw new TlsConfigurationException(file, "is a SEC1 EC private key (BEGIN EC PRIVATE KEY)"
                    + (block.body().contains("Proc-Type:") ? ", encrypted" : "") + convert);
            case "ENCRYPTED PRIVATE KEY":
                throw new TlsConfigurationException(
                    file, "is an encrypted PKCS#8 private key (BEGIN ENCRYPTED PRIVATE KEY)" + convert);
            case "DSA PRIVATE KEY":
                throw new TlsConfigurationException(
                    file, "is a DSA private key (BEGIN DSA PRIVATE KEY): use an RSA, EC or EdDSA key");
            default:
                throw new TlsConfigurationException(file, "holds a private key of an unsupported format (BEGIN "
                    + block.type() + "); expected unencrypted PKCS#8 (BEGIN PRIVATE KEY)");
        }

        final byte[] der;
        try
        {
            der = Base64.getMimeDecoder().decode(block.body());
        }
        catch (final IllegalArgumentException ex)
        {
            throw new TlsConfigurationException(file, "malformed private key (bad base64): " + ex.getMessage(), ex);
        }
        for (final String algorithm : KEY_ALGORITHMS)
        {
            try
            {
                return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
            }
            catch (final GeneralSecurityException | RuntimeException ex)
            {
                // Not this algorithm (or this JDK lacks it): try the next.
            }
        }
        throw new TlsConfigurationException(file, "malformed private key, or not one of "
            + String.join(", ", KEY_ALGORITHMS));
    }

    /** Reads the file, refusing a directory, a missing or unreadable file, and an empty one. */
    private static byte[] read(final Path file)
    {
        if (Files.isDirectory(file))
        {
            throw new TlsConfigurationException(file, "is a directory, not a file");
        }
        final byte[] bytes;
        try
        {
            bytes = Files.readAllBytes(file);
        }
        catch (final NoSuchFileException ex)
        {
            throw new TlsConfigurationException(file, "file not found", ex);
        }
        catch (final AccessDeniedException ex)
        {
            throw new TlsConfigurationException(file, "not readable (permission denied)", ex);
        }
        catch (final IOException ex)
        {
            throw new TlsConfigurationException(file, "cannot be read: " + ex, ex);
        }
        if (new String(bytes, StandardCharsets.ISO_8859_1).isBlank())
        {
            throw new TlsConfigurationException(file, "is empty");
        }
        return bytes;
    }

    private static boolean looksLikePem(final byte[] bytes)
    {
        return PEM_BEGIN.matcher(new String(bytes, StandardCharsets.ISO_8859_1)).find();
    }

    /** Every complete PEM block of the file, in order; refuses a file with none. */
    private static List<PemBlock> pemBlocks(final Path file, final byte[] bytes, final String expected)
    {
        final String text = new String(bytes, StandardCharsets.ISO_8859_1);
        final List<PemBlock> blocks = new ArrayList<>();
        final Matcher matcher = PEM_BLOCK.matcher(text);
        while (matcher.find())
        {
            blocks.add(new PemBlock(matcher.group(1), matcher.group(), matcher.group(2)));
        }
        if (blocks.isEmpty())
        {
            final String begin = "-----BEGIN " + expected + "-----";
            if (PEM_BEGIN.matcher(text).find())
            {
                throw new TlsConfigurationException(file, "malformed PEM: a -----BEGIN line without its -----END");
            }
            if ((bytes[0] & 0xFF) == DER_SEQUENCE)
            {
                throw new TlsConfigurationException(file, "not PEM (no " + begin + " line): binary DER? convert it: "
                    + (CERTIFICATE.equals(expected) ? "openssl x509 -inform der" : "openssl pkcs8 -topk8 -nocrypt"
                    + " -inform der") + " -in " + shellWord(file) + " -out " + shellWord(file) + ".pem");
            }
            throw new TlsConfigurationException(file, "not PEM (no " + begin + " line)");
        }
        return blocks;
    }

    private static String types(final List<PemBlock> blocks)
    {
        final Set<String> types = new LinkedHashSet<>();
        for (final PemBlock block : blocks)
        {
            types.add(block.type());
        }
        return String.join(", ", types);
    }

    private static KeyStore keyStore(final Path file, final byte[] bytes, final char[] password)
    {
        KeyStoreException unrecognised = null;
        for (final String type : new String[] {"PKCS12", "JKS"})
        {
            try
            {
                final KeyStore store = KeyStore.getInstance(type);
                store.load(new ByteArrayInputStream(bytes), password);
                return store;
            }
            catch (final KeyStoreException ex)
            {
                unrecognised = ex;
            }
            catch (final IOException ex)
            {
                if (ex.getCause() instanceof UnrecoverableKeyException)
                {
                    throw new TlsConfigurationException(file, "wrong password", ex);
                }
                // Not this type: try the next.
            }
            catch (final GeneralSecurityException ex)
            {
                throw new TlsConfigurationException(file, "cannot be read as " + type + ": " + ex.getMessage(), ex);
            }
        }
        throw new TlsConfigurationException(
            file, "neither PEM certificates nor a PKCS#12 or JKS keystore (or wrong password)", unrecognised);
    }

    private static int countEntries(final KeyStore store)
    {
        int count = 0;
        try
        {
            for (final String alias : Collections.list(store.aliases()))
            {
                if (null != store.getCertificate(alias))
                {
                    count++;
                }
            }
        }
        catch (final KeyStoreException ex)
        {
            throw new IllegalStateException("keystore not loaded", ex);
        }
        return count;
    }

    private static String subjectOf(final X509Certificate certificate)
    {
        return certificate.getSubjectX500Principal().getName(X500Principal.RFC2253);
    }

    private static String shellWord(final Path file)
    {
        final String path = TlsConfigurationException.absolute(file).toString();
        return SHELL_SAFE.matcher(path).matches() ? path : "'" + path.replace("'", "'\\''") + "'";
    }

    /** One PEM block: its type (the word after BEGIN), its whole text, and what lies between its two lines. */
    private record PemBlock(String type, String text, String body)
    {
    }
}
