package berth.persistence;

import berth.tenant.TenantEntity;
import berth.tenant.TenantEvent;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.sharding.typed.ShardedDaemonProcessSettings;
import org.apache.pekko.cluster.sharding.typed.javadsl.ShardedDaemonProcess;
import org.apache.pekko.persistence.jdbc.query.javadsl.JdbcReadJournal;
import org.apache.pekko.persistence.query.Offset;
import org.apache.pekko.projection.ProjectionBehavior;
import org.apache.pekko.projection.ProjectionId;
import org.apache.pekko.projection.eventsourced.EventEnvelope;
import org.apache.pekko.projection.eventsourced.javadsl.EventSourcedProvider;
import org.apache.pekko.projection.javadsl.GroupedProjection;
import org.apache.pekko.projection.javadsl.SourceProvider;
import org.apache.pekko.projection.jdbc.javadsl.JdbcHandler;
import org.apache.pekko.projection.jdbc.javadsl.JdbcProjection;

/**
 * Feeds the {@code tenant_directory} read model from the journal, exactly once (the offset is stored
 * in the same transaction as the rows), a group of events per transaction
 * ({@code berth.read-model.group-size} / {@code group-within}). One instance runs in the whole cluster, as a sharded daemon
 * process, so it moves to a surviving node when its node dies.
 */
public final class TenantDirectoryProjection {
  public static final ProjectionId ID = ProjectionId.of("tenant-directory", TenantEntity.TAG);

  private TenantDirectoryProjection() {}

  public static void init(ActorSystem<?> system, DataSource dataSource) {
    SourceProvider<Offset, EventEnvelope<TenantEvent>> source =
        EventSourcedProvider.eventsByTag(system, JdbcReadJournal.Identifier(), TenantEntity.TAG);
    var config = system.settings().config().getConfig("berth.read-model");
    GroupedProjection<Offset, EventEnvelope<TenantEvent>> projection = JdbcProjection
        .groupedWithin(ID, source, () -> new DataSourceJdbcSession(dataSource), Grouped::new, system)
        .withGroup(config.getInt("group-size"), config.getDuration("group-within"))
        .withRestartBackoff(config.getDuration("restart-min-backoff"), config.getDuration("restart-max-backoff"), 0.2);
    ShardedDaemonProcess.get(system).init(
        ProjectionBehavior.Command.class,
        "tenant-directory-projection",
        1,
        i -> ProjectionBehavior.create(projection),
        ShardedDaemonProcessSettings.create(system),
        Optional.of(ProjectionBehavior.stopMessage()));
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
