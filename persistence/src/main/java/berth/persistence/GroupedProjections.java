package berth.persistence;

import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
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
 * How Berth runs a projection of the journal into PostgreSQL: the events of one tag (the projection
 * id's key), exactly once, a
 * group of them per transaction with its offset ({@code berth.read-model.group-size} /
 * {@code group-within}), restarted with backoff, one instance in the whole cluster (a sharded daemon
 * process, so it moves to a surviving node when its node dies).
 */
final class GroupedProjections {
  private GroupedProjections() {}

  static <E> void start(ActorSystem<?> system, DataSource dataSource, ProjectionId id, String name,
      Supplier<JdbcHandler<List<EventEnvelope<E>>, DataSourceJdbcSession>> handler) {
    SourceProvider<Offset, EventEnvelope<E>> source =
        EventSourcedProvider.eventsByTag(system, JdbcReadJournal.Identifier(), id.key());
    var config = system.settings().config().getConfig("berth.read-model");
    GroupedProjection<Offset, EventEnvelope<E>> projection = JdbcProjection
        .groupedWithin(id, source, () -> new DataSourceJdbcSession(dataSource), handler, system)
        .withGroup(config.getInt("group-size"), config.getDuration("group-within"))
        .withRestartBackoff(config.getDuration("restart-min-backoff"), config.getDuration("restart-max-backoff"), 0.2);
    ShardedDaemonProcess.get(system).init(
        ProjectionBehavior.Command.class,
        name,
        1,
        i -> ProjectionBehavior.create(projection),
        ShardedDaemonProcessSettings.create(system),
        Optional.of(ProjectionBehavior.stopMessage()));
  }
}
