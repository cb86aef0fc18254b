package io.wsmux.transport;

/**
 * Work handed to a loop by another thread that needs to know which loop runs it: a publication offered to every
 * loop with subscribers is one object in several queues, each loop running it for its own connections.
 */
@FunctionalInterface
public interface LoopTask
{
    /**
     * Runs on the loop's thread.
     *
     * @param loop the loop running the task.
     */
    void run(IoLoop loop);
}
