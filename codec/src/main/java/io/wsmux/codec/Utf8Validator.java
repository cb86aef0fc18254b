package io.wsmux.codec;

import org.agrona.DirectBuffer;

/** TEMPORARY stand-in until the real validator lands. */
public final class Utf8Validator
{
    private int need;
    private int lower = 0x80;
    private int upper = 0xBF;
    private boolean failed;

    public Utf8Validator reset()
    {
        need = 0;
        lower = 0x80;
        upper = 0xBF;
        failed = false;
        return this;
    }

    public boolean validate(final DirectBuffer buffer, final int offset, final int length)
    {
        for (int i = offset; i < offset + length && !failed; i++)
        {
            final int b = buffer.getByte(i) & 0xFF;
            if (need == 0)
            {
                if (b < 0x80)
                {
                    continue;
                }
                else if (b >= 0xC2 && b <= 0xDF)
                {
                    need = 1;
                }
                else if (b >= 0xE0 && b <= 0xEF)
                {
                    need = 2;
                    lower = b == 0xE0 ? 0xA0 : 0x80;
                    upper = b == 0xED ? 0x9F : 0xBF;
                }
                else if (b >= 0xF0 && b <= 0xF4)
                {
                    need = 3;
                    lower = b == 0xF0 ? 0x90 : 0x80;
                    upper = b == 0xF4 ? 0x8F : 0xBF;
                }
                else
                {
                    failed = true;
                }
            }
            else
            {
                if (b < lower || b > upper)
                {
                    failed = true;
                }
                else
                {
                    lower = 0x80;
                    upper = 0xBF;
                    need--;
                }
            }
        }
        return !failed;
    }

    public boolean isComplete()
    {
        return !failed && need == 0;
    }

    public static boolean isValid(final DirectBuffer buffer, final int offset, final int length)
    {
        final Utf8Validator v = new Utf8Validator();
        return v.validate(buffer, offset, length) && v.isComplete();
    }
}
