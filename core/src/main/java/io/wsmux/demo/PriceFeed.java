package io.wsmux.demo;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import io.wsmux.Multiplexer;
import io.wsmux.Topic;
import org.agrona.ExpandableArrayBuffer;

/**
 * Simulated prices for a desk of FX and metals instruments: a random walk per instrument, published to the topic
 * {@code prices.<SYMBOL>} as {@code SYMBOL,bid,ask,sequence,epochMicros}, thousands of updates per second in total.
 * The sequence is the instrument's own, from 1, one more per update of that instrument, so a subscriber that gets
 * every update of a topic (a recovery's replay) sees it grow by exactly one each time, and one that gets only some
 * (conflation, a rate limit) sees how many it skipped. Builds each message in a reused buffer: the feed allocates
 * nothing per update. Runs on its own thread.
 */
public final class PriceFeed implements Runnable
{
    /** The instruments, with a starting mid price and its decimal places. */
    public static final String[] SYMBOLS = {
        "EURUSD", "GBPUSD", "USDJPY", "USDCHF", "AUDUSD", "USDCAD", "NZDUSD", "EURGBP", "EURJPY", "GBPJPY",
        "EURCHF", "AUDJPY", "EURAUD", "USDSEK", "USDNOK", "USDMXN", "USDZAR", "USDSGD", "XAUUSD", "XAGUSD"
    };
    private static final double[] STARTS = {
        1.08412, 1.27015, 151.325, 0.88213, 0.65512, 1.35871, 0.60122, 0.85348, 164.052, 192.201,
        0.95629, 99.135, 1.65480, 10.4425, 10.6120, 17.0520, 18.4410, 1.34250, 2331.45, 27.512
    };

    private final Topic[] topics;
    private final long[] mids;
    private final long[] pipScale;
    private final int[] decimals;
    private final long[] sequences;
    private final long intervalNs;
    private final ExpandableArrayBuffer message = new ExpandableArrayBuffer(128);
    private final SplittableRandom random = new SplittableRandom(42);
    private volatile boolean running = true;

    /**
     * @param multiplexer     where the {@code prices.} topics are registered.
     * @param updatesPerSecond total updates per second across all instruments.
     */
    public PriceFeed(final Multiplexer multiplexer, final int updatesPerSecond)
    {
        topics = new Topic[SYMBOLS.length];
        mids = new long[SYMBOLS.length];
        pipScale = new long[SYMBOLS.length];
        decimals = new int[SYMBOLS.length];
        sequences = new long[SYMBOLS.length];
        for (int i = 0; i < SYMBOLS.length; i++)
        {
            topics[i] = multiplexer.topic("prices." + SYMBOLS[i]);
            decimals[i] = STARTS[i] >= 1000 ? 2 : (STARTS[i] >= 50 ? 3 : 5);
            pipScale[i] = (long)Math.pow(10, decimals[i]);
            mids[i] = Math.round(STARTS[i] * pipScale[i]);
        }
        intervalNs = TimeUnit.SECONDS.toNanos(1) * SYMBOLS.length / Math.max(1, updatesPerSecond);
    }

    /**
     * Stop after the current round.
     */
    public void stop()
    {
        running = false;
    }

    @Override
    public void run()
    {
        long next = System.nanoTime();
        while (running)
        {
            for (int i = 0; i < SYMBOLS.length && running; i++)
            {
                tick(i);
            }
            next += intervalNs;
            final long sleep = next - System.nanoTime();
            if (sleep > 0)
            {
                LockSupport.parkNanos(sleep);
            }
            else
            {
                next = System.nanoTime();
            }
        }
    }

    private void tick(final int instrument)
    {
        final long step = random.nextInt(7) - 3;
        mids[instrument] = Math.max(pipScale[instrument] / 100, mids[instrument] + step);
        final long spread = 1 + random.nextInt(3);
        final long bid = mids[instrument] - spread;
        final long ask = mids[instrument] + spread;
        final long epochMicros = TimeUnit.MILLISECONDS.toMicros(System.currentTimeMillis());

        int position = message.putStringWithoutLengthAscii(0, SYMBOLS[instrument]);
        message.putByte(position++, (byte)',');
        position += putDecimal(position, bid, decimals[instrument]);
        message.putByte(position++, (byte)',');
        position += putDecimal(position, ask, decimals[instrument]);
        message.putByte(position++, (byte)',');
        position += message.putLongAscii(position, ++sequences[instrument]);
        message.putByte(position++, (byte)',');
        position += message.putLongAscii(position, epochMicros);
        topics[instrument].publish(message, 0, position);
    }

    private int putDecimal(final int offset, final long scaled, final int places)
    {
        long divisor = 1;
        for (int i = 0; i < places; i++)
        {
            divisor *= 10;
        }
        int position = offset + message.putLongAscii(offset, scaled / divisor);
        message.putByte(position++, (byte)'.');
        long fraction = scaled % divisor;
        for (long d = divisor / 10; d > 0; d /= 10)
        {
            message.putByte(position++, (byte)('0' + fraction / d));
            fraction %= d;
        }
        return position - offset;
    }
}
