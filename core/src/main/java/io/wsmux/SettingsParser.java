package io.wsmux;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;

import org.agrona.SystemUtil;

/**
 * Parses setting values strictly, in one place: a value has one of the documented forms or it is refused with a
 * {@link WsmuxConfigurationException} whose one-line message names the setting, repeats the value and lists what is
 * accepted. Nothing falls back to a default in silence ({@code yes} is not {@code false}, {@code abc} is not
 * {@code 0}). Leading and trailing white space is ignored; booleans and enum names ignore case.
 * <p>
 * The static methods parse one value for a subject that is a property name ({@code wsmux.port}, shown as
 * {@code wsmux.port=abc}) or a command-line option ({@code --port}, shown as {@code --port abc}). An instance reads
 * properties one by one, remembering which names were asked for, so that {@link #rejectUnknown()} can refuse a
 * property under the prefix that nothing reads: a typo such as {@code wsmux.idle.timout}.
 * <p>
 * Not thread safe: used while one {@link WsmuxSettings} is built.
 */
final class SettingsParser
{
    /** How a size may be written, for messages. */
    static final String SIZE_FORMS = "use a whole number of bytes with an optional k, m or g suffix, such as 64k";

    /** How a duration may be written, for messages. */
    static final String DURATION_FORMS =
        "use a whole number with an s, ms, us or ns suffix, such as 500ms or 30s (no suffix: nanoseconds)";

    private final Properties properties;
    private final String prefix;
    private final Set<String> namesRead = new HashSet<>();

    /**
     * @param properties to read; only names starting with the prefix are checked by {@link #rejectUnknown()}.
     * @param prefix     the namespace of the settings, {@code wsmux.}.
     */
    SettingsParser(final Properties properties, final String prefix)
    {
        this.properties = properties;
        this.prefix = prefix;
    }

    /**
     * @param name property name.
     * @return true if the property is set (to anything).
     */
    boolean isSet(final String name)
    {
        namesRead.add(name);
        return null != properties.getProperty(name);
    }

    /**
     * @param name         property name.
     * @param defaultValue when unset.
     * @return the value, trimmed.
     */
    String string(final String name, final String defaultValue)
    {
        final String text = text(name);
        return null == text ? defaultValue : text;
    }

    /**
     * @param name         property name.
     * @param defaultValue when unset.
     * @return the size in bytes.
     * @throws WsmuxConfigurationException if set but not a size that fits an int.
     */
    int size(final String name, final int defaultValue)
    {
        final String text = text(name);
        return null == text ? defaultValue : parseSize(name, text);
    }

    /**
     * @param name         property name.
     * @param defaultValue when unset, nanoseconds.
     * @return the duration in nanoseconds.
     * @throws WsmuxConfigurationException if set but not a duration.
     */
    long duration(final String name, final long defaultValue)
    {
        final String text = text(name);
        return null == text ? defaultValue : parseDuration(name, text);
    }

    /**
     * A count: digits only, no suffix (a {@code k} meaning 1,024 connections would surprise).
     *
     * @param name         property name.
     * @param defaultValue when unset; also the example in the message.
     * @return the number.
     * @throws WsmuxConfigurationException if set but not a whole number that fits an int.
     */
    int integer(final String name, final int defaultValue)
    {
        final String text = text(name);
        if (null == text)
        {
            return defaultValue;
        }
        try
        {
            return Integer.parseInt(text);
        }
        catch (final NumberFormatException ex)
        {
            throw new WsmuxConfigurationException(
                subject(name, text) + " is not a whole number: use digits only, such as " + defaultValue);
        }
    }

    /**
     * @param name         property name.
     * @param defaultValue when unset.
     * @return the boolean.
     * @throws WsmuxConfigurationException if set but neither {@code true} nor {@code false}.
     */
    boolean bool(final String name, final boolean defaultValue)
    {
        final String text = text(name);
        return null == text ? defaultValue : parseBoolean(name, text);
    }

    /**
     * @param name         property name.
     * @param defaultValue when unset.
     * @param type         the enum, whose constants are the accepted values in any case.
     * @param <E>          the enum type.
     * @return the constant.
     * @throws WsmuxConfigurationException if set but not the name of a constant.
     */
    <E extends Enum<E>> E enumValue(final String name, final E defaultValue, final Class<E> type)
    {
        final String text = text(name);
        return null == text ? defaultValue : parseEnum(name, text, type);
    }

    /**
     * Refuse a property under the prefix that none of the reads above asked for, naming the closest known one.
     *
     * @throws WsmuxConfigurationException for the first unknown name, in alphabetical order.
     */
    void rejectUnknown()
    {
        for (final String name : new TreeSet<>(properties.stringPropertyNames()))
        {
            if (name.startsWith(prefix) && !namesRead.contains(name))
            {
                throw new WsmuxConfigurationException(subject(name, properties.getProperty(name).trim()) +
                    " is not a known property: did you mean " + closest(name, namesRead) +
                    "? (docs/tuning.md lists them all)");
            }
        }
    }

    /**
     * @return the names of the properties read that were set, for "unless the property was set" decisions.
     */
    Set<String> namesSet()
    {
        final Set<String> set = new HashSet<>();
        for (final String name : namesRead)
        {
            if (null != properties.getProperty(name))
            {
                set.add(name);
            }
        }
        return Collections.unmodifiableSet(set);
    }

    private String text(final String name)
    {
        namesRead.add(name);
        final String value = properties.getProperty(name);
        return null == value ? null : value.trim();
    }

    /**
     * @param name a property name or an option.
     * @param text a size: {@code 65536}, {@code 64k}, {@code 1m}, {@code 1g}.
     * @return the size in bytes.
     * @throws WsmuxConfigurationException if not a size, or 2g or more.
     */
    static int parseSize(final String name, final String text)
    {
        final long size;
        try
        {
            size = SystemUtil.parseSize(name, text.trim());
        }
        catch (final NumberFormatException ex) // AsciiNumberFormatException included; its message names nothing
        {
            throw new WsmuxConfigurationException(subject(name, text) + " is not a size: " + SIZE_FORMS);
        }
        if (size > Integer.MAX_VALUE)
        {
            throw new WsmuxConfigurationException(
                subject(name, text) + " is too large: a size must be less than 2g (2147483648 bytes)");
        }
        return (int)size;
    }

    /**
     * @param name a property name or an option.
     * @param text a duration: {@code 500ms}, {@code 30s}, {@code 100us}, {@code 1000ns}, or bare nanoseconds.
     * @return the duration in nanoseconds.
     * @throws WsmuxConfigurationException if not a duration.
     */
    static long parseDuration(final String name, final String text)
    {
        try
        {
            return SystemUtil.parseDuration(name, text.trim());
        }
        catch (final NumberFormatException ex)
        {
            throw new WsmuxConfigurationException(subject(name, text) + " is not a duration: " + DURATION_FORMS);
        }
    }

    /**
     * @param name a property name or an option.
     * @param text digits.
     * @param min  smallest accepted.
     * @param max  largest accepted.
     * @return the number.
     * @throws WsmuxConfigurationException if not a whole number in [min, max].
     */
    static int parseInt(final String name, final String text, final int min, final int max)
    {
        int value = min - 1;
        try
        {
            value = Integer.parseInt(text.trim());
        }
        catch (final NumberFormatException ex)
        {
            // reported below, with the range
        }
        if (value < min || value > max)
        {
            throw new WsmuxConfigurationException(
                subject(name, text) + " is not valid: use a whole number in [" + min + ", " + max + "]");
        }
        return value;
    }

    /**
     * @param name a property name or an option.
     * @param text {@code true} or {@code false}, in any case.
     * @return the boolean.
     * @throws WsmuxConfigurationException for anything else ({@code yes}, {@code on}, {@code 1}).
     */
    static boolean parseBoolean(final String name, final String text)
    {
        final String value = text.trim();
        if ("true".equalsIgnoreCase(value))
        {
            return true;
        }
        if ("false".equalsIgnoreCase(value))
        {
            return false;
        }
        throw new WsmuxConfigurationException(subject(name, text) + " is not a boolean: use true or false");
    }

    /**
     * @param name a property name or an option.
     * @param text the name of a constant, in any case.
     * @param type the enum.
     * @param <E>  the enum type.
     * @return the constant.
     * @throws WsmuxConfigurationException naming every constant when text is none of them.
     */
    static <E extends Enum<E>> E parseEnum(final String name, final String text, final Class<E> type)
    {
        final String value = text.trim().replace('-', '_');
        for (final E constant : type.getEnumConstants())
        {
            if (constant.name().equalsIgnoreCase(value))
            {
                return constant;
            }
        }
        final List<String> names = new ArrayList<>();
        for (final E constant : type.getEnumConstants())
        {
            names.add(constant.name().toLowerCase(Locale.ROOT).replace('_', '-'));
        }
        throw new WsmuxConfigurationException(subject(name, text) + " is not valid: use " + oneOf(names));
    }

    /**
     * @param choices at least one.
     * @return {@code a}, {@code a or b}, {@code a, b or c}.
     */
    static String oneOf(final List<String> choices)
    {
        final int last = choices.size() - 1;
        return 0 == last ? choices.get(0) : String.join(", ", choices.subList(0, last)) + " or " + choices.get(last);
    }

    /**
     * How a setting and its value appear in a message: {@code wsmux.port=abc} for a property, {@code --port abc}
     * for an option; an empty value or one with spaces inside is quoted.
     *
     * @param name a property name or an option (starts with '-').
     * @param text the value as given.
     * @return the subject of the message.
     */
    static String subject(final String name, final String text)
    {
        final String value = text.trim().replace("\r", "\\r").replace("\n", "\\n"); // the message stays one line
        final String shown = value.isEmpty() || value.chars().anyMatch(Character::isWhitespace) ?
            '"' + value + '"' : value;
        return name + (name.startsWith("-") ? " " : "=") + shown;
    }

    /**
     * @param name       not among the candidates.
     * @param candidates known names, at least one.
     * @return the candidate fewest single-character edits away (Levenshtein); ties go to the alphabetically first.
     */
    static String closest(final String name, final Set<String> candidates)
    {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (final String candidate : new TreeSet<>(candidates))
        {
            final int distance = editDistance(name, candidate);
            if (distance < bestDistance)
            {
                best = candidate;
                bestDistance = distance;
            }
        }
        return best;
    }

    private static int editDistance(final String a, final String b)
    {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++)
        {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++)
        {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++)
            {
                final int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                current[j] = Math.min(substitution, Math.min(previous[j], current[j - 1]) + 1);
            }
            final int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }
}
