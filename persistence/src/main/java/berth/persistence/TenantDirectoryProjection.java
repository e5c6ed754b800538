package berth.persistence;

import berth.tenant.TenantEntity;
import berth.tenant.TenantEvent;
import java.util.List;
import javax.sql.DataSource;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.projection.ProjectionId;
import org.apache.pekko.projection.eventsourced.EventEnvelope;
import org.apache.pekko.projection.jdbc.javadsl.JdbcHandler;

/**
 * Feeds the {@code tenant_directory} read model from the journal's tenant events, as
 * {@link GroupedProjections} runs every projection: exactly once, a group of events per transaction
 * with its offset, one instance in the whole cluster.
 */
public final class TenantDirectoryProjection {
  public static final ProjectionId ID = ProjectionId.of("tenant-directory", TenantEntity.TAG);

  private TenantDirectoryProjection() {}

  public static void init(ActorSystem<?> system, DataSource dataSource) {
    GroupedProjections.<TenantEvent>start(system, dataSource, ID, "tenant-directory-projection", Grouped::new);
  }

  /** A group of events, each applied as {@link TenantDirectoryHandler} applies one, in one transaction. */
  static final class Grouped extends JdbcHandler<List<EventEnvelope<TenantEvent>>, DataSourceJdbcSession> {
    private final TenantDirectoryHandler one = new TenantDirectoryHandler();

    @Override
    public void process(DataSourceJdbcSession session, List<EventEnvelope<TenantEvent>> envelopes) throws Exception {
      for (EventEnvelope<TenantEvent> envelope : envelopes) one.process(session, envelope);
    }
  }
}
