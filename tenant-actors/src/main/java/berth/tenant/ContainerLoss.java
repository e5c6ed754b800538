package berth.tenant;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * How a READY tenant's container was found lost. Journaled in {@link TenantEvent.ContainerLost} as
 * the lower-case name, as events written before this type existed spell it.
 */
public enum ContainerLoss {
  /** The container exists but is not running: it is restarted. */
  @JsonProperty("exited") EXITED,
  /** No container bears the tenant's name: it is re-created on the same volume. */
  @JsonProperty("removed") REMOVED,
  /** Another container bears the tenant's name: it is replaced, on the same volume. */
  @JsonProperty("replaced") REPLACED;

  /** Whether the lost container is still the tenant's (only stopped), so that starting it is enough. */
  public boolean keepsContainer() {
    return this == EXITED;
  }

  /** The name used in events, logs and the read model. */
  public String label() {
    return name().toLowerCase();
  }
}
