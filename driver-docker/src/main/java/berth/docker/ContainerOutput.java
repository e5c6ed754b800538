package berth.docker;

import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.model.Frame;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Collects a container's log stream, keeping only its last {@code maxBytes}: a container that wrote
 * gigabytes costs a bounded buffer, never the node's heap.
 */
final class ContainerOutput extends ResultCallback.Adapter<Frame> {
  private final int maxBytes;
  private final Deque<byte[]> chunks = new ArrayDeque<>();
  private long kept;
  private boolean truncated;

  ContainerOutput(int maxBytes) {
    this.maxBytes = maxBytes;
  }

  @Override
  public synchronized void onNext(Frame frame) {
    byte[] payload = frame.getPayload();
    if (payload == null || payload.length == 0) {
      return;
    }
    if (maxBytes <= 0) {
      truncated = true;
      return;
    }
    chunks.addLast(payload);
    kept += payload.length;
    while (kept - chunks.peekFirst().length >= maxBytes) {
      kept -= chunks.removeFirst().length;
      truncated = true;
    }
  }

  synchronized boolean truncated() {
    return truncated || kept > maxBytes;
  }

  /** The kept output, cut to at most {@code maxBytes} at the start (UTF-8 decoded leniently). */
  synchronized String text() {
    byte[] all = new byte[(int) kept];
    int at = 0;
    for (byte[] c : chunks) {
      System.arraycopy(c, 0, all, at, c.length);
      at += c.length;
    }
    int from = Math.max(0, all.length - maxBytes);
    return new String(all, from, all.length - from, StandardCharsets.UTF_8);
  }
}
