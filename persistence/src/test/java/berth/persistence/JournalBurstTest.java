package berth.persistence;

import static org.junit.jupiter.api.Assertions.assertEquals;

import berth.tenant.Endpoint;
import berth.tenant.Provenance;
import berth.tenant.TenantEvent;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.javadsl.CommandHandler;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehavior;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A burst of writes larger than pekko-persistence-jdbc's default write queue (1,000) on the real
 * PostgreSQL: 3,000 entities persisting at the same moment all succeed (with the plugin's default,
 * the writes beyond the queue fail and their entities crash — `./berth bench journal` found it; whether
 * this burst overflows the old default depends on the disk, so the setting reaching the plugin is
 * asserted too).
 */
class JournalBurstTest {
  static final int WRITERS = 3000;

  @TempDir Path dir;

  interface Command {}

  record Persist(ActorRef<Done> replyTo) implements Command {}

  /** Answered once the entity has recovered, writing nothing. */
  record Ping(ActorRef<Done> replyTo) implements Command {}

  static Behavior<Command> writer(String id) {
    return new EventSourcedBehavior<Command, TenantEvent, Integer>(PersistenceId.of("Burst", id)) {
      @Override
      public Integer emptyState() {
        return 0;
      }

      @Override
      public CommandHandler<Command, TenantEvent, Integer> commandHandler() {
        return newCommandHandlerBuilder().forAnyState()
            .onCommand(Ping.class, (s, p) -> Effect().reply(p.replyTo(), Done.getInstance()))
            .onCommand(Persist.class, (s, p) -> Effect()
                .persist(new TenantEvent.TenantInitialized(new Endpoint("127.0.0.1", 1),
                    new Provenance("burst@example.com", "burst", Instant.now(), id)))
                .thenReply(p.replyTo(), x -> Done.getInstance()))
            .build();
      }

      @Override
      public EventHandler<Integer, TenantEvent> eventHandler() {
        return newEventHandlerBuilder().forAnyState().onAnyEvent((s, e) -> s + 1);
      }
    };
  }

  static void all(ActorSystem<?> system, List<ActorRef<Command>> writers,
      org.apache.pekko.japi.function.Function<ActorRef<Done>, Command> command) throws Exception {
    List<CompletableFuture<Done>> answers = new ArrayList<>();
    for (ActorRef<Command> w : writers) {
      answers.add(AskPattern.<Command, Done>ask(w, command::apply, Duration.ofSeconds(60), system.scheduler())
          .toCompletableFuture());
    }
    CompletableFuture.allOf(answers.toArray(CompletableFuture[]::new)).get(90, TimeUnit.SECONDS);
  }

  @Test
  void aBurstBeyondThePluginsDefaultQueueIsWrittenWhole() throws Exception {
    Config node = ConfigFactory.parseString("berth.db.embedded.data-dir = \"" + dir.resolve("pg") + "\"")
        .withFallback(ConfigFactory.load());
    try (Database db = Database.open(DatabaseSettings.fromConfig(node))) {
      assertEquals(node.getInt("berth.db.journal-queue-size"), db.pekkoConfig(node).getInt("jdbc-journal.bufferSize"));
      ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "burst",
          ConfigFactory.parseString("pekko.loglevel = WARNING").withFallback(db.pekkoConfig(node)).withFallback(node).resolve());
      try {
        List<ActorRef<Command>> writers = new ArrayList<>();
        for (int i = 0; i < WRITERS; i++) {
          writers.add(system.systemActorOf(writer("w" + i), "w" + i, org.apache.pekko.actor.typed.Props.empty()));
        }
        all(system, writers, Ping::new); // every one recovered: the writes below leave at the same moment
        all(system, writers, Persist::new);
        try (Connection c = db.dataSource().getConnection();
            ResultSet rs = c.createStatement().executeQuery("SELECT count(*) FROM event_journal WHERE persistence_id LIKE 'Burst|%'")) {
          rs.next();
          assertEquals(WRITERS, rs.getInt(1));
          c.rollback();
        }
      } finally {
        system.terminate();
        system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
      }
    }
  }
}
