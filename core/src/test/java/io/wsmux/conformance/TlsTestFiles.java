package io.wsmux.conformance;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * Removes a test's temporary certificate directory.
 */
final class TlsTestFiles
{
    private TlsTestFiles()
    {
    }

    static void delete(final Path directory) throws IOException
    {
        if (null == directory || !Files.exists(directory))
        {
            return;
        }
        try (Stream<Path> files = Files.walk(directory))
        {
            for (final Path file : files.sorted(Comparator.reverseOrder()).toList())
            {
                Files.deleteIfExists(file);
            }
        }
    }
}
