package berth.api;

import berth.tenant.Phase;
import berth.tenant.Provenance;
import berth.tenant.SecretStore;
import berth.tenant.TenantCommand;
import com.fasterxml.jackson.databind.JsonNode;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.CompletionStage;
import java.util.function.BooleanSupplier;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.Route;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code /api/tenants/{slug}/secrets}: a tenant's secrets, write-only. Values go in (one map, or one
 * at a time) and never come out: reads answer names, versions and who changed them. A change is
 * stored (sealed) first, then recorded by the tenant's entity — names and version, never a value —
 * which delivers the secrets to a READY tenant again. No value is ever logged, echoed or put into an
 * error message.
 */
final class SecretRoutes extends ApiDirectives {
  private static final Logger log = LoggerFactory.getLogger(SecretRoutes.class);
  static final int MAX_SECRETS = 100;
  static final int MAX_VALUE = 4096;

  private final SecretStore store;

  SecretRoutes(ActorSystem<?> system, SecretStore store, ApiSettings settings, BooleanSupplier databaseAvailable,
      Clock clock) {
    super(system, settings, databaseAvailable, clock);
    this.store = store;
  }

  Route route(String slug, Caller who, String correlationId) {
    return concat(
        pathEndOrSingleSlash(() -> concat(
            get(() -> onSuccess(store.list(slug), secrets -> json(StatusCodes.OK, Map.of("slug", slug, "secrets", secrets)))),
            put(() -> jsonBody(JsonNode.class, true, body -> {
              Map<String, String> values = new LinkedHashMap<>();
              Optional<String> problem = SecretRoutes.read(body, values);
              if (problem.isPresent()) return badRequest(problem.get());
              Provenance by = provenance(who, null, "secrets replaced via admin API", correlationId);
              return change(slug, by, () -> store.list(slug).thenCompose(before -> {
                TreeSet<String> touched = new TreeSet<>(values.keySet());
                before.forEach(s -> touched.add(s.name()));
                return store.replaceAll(slug, values, who.principal(), by.at())
                    .thenApply(version -> new Change(List.copyOf(touched), version));
              }));
            })))),
        path(PathMatchers.segment(), name -> {
          if (!SecretStore.NAME.matcher(name).matches()) {
            return badRequest(nameProblem(name));
          }
          return concat(
              put(() -> jsonBody(JsonNode.class, true, body -> {
                JsonNode value = body.get("value");
                if (body.size() != 1 || value == null) return badRequest("the body must be {\"value\": \"...\"}");
                Optional<String> problem = valueProblem(name, value);
                if (problem.isPresent()) return badRequest(problem.get());
                Provenance by = provenance(who, null, "secret " + name + " set via admin API", correlationId);
                return change(slug, by, () -> store.put(slug, name, value.asText(), who.principal(), by.at())
                    .thenApply(version -> new Change(List.of(name), version)));
              })),
              delete(() -> {
                Provenance by = provenance(who, null, "secret " + name + " deleted via admin API", correlationId);
                return change(slug, by, () -> store.delete(slug, name, who.principal(), by.at())
                    .thenApply(version -> new Change(List.of(name), version)));
              }));
        }));
  }

  private record Change(List<String> names, long version) {}

  /** The secrets a create request carried, stored and recorded once the tenant was accepted; then {@code created}. */
  Route setAtCreation(String slug, Map<String, String> values, Caller who, Provenance by, Route created) {
    CompletionStage<Change> stored = store.replaceAll(slug, values, who.principal(), by.at())
        .thenApply(version -> new Change(List.copyOf(new TreeSet<>(values.keySet())), version));
    return onComplete(stored, result -> {
      if (result.isFailure()) {
        log.warn("Secrets of new tenant {} could not be stored: {}", slug, result.failed().get().getClass().getSimpleName());
        return complete(StatusCodes.SERVICE_UNAVAILABLE, error("unavailable", "tenant '" + slug
            + "' was created, but its secrets could not be stored: PUT /api/tenants/" + slug + "/secrets again"));
      }
      return ask(slug, r -> new TenantCommand.RecordSecretsChange(result.get().names(), result.get().version(), by, r),
          after -> created);
    });
  }

  /**
   * Only a tenant that exists and is not being torn down or retired takes new secrets: it is asked
   * first, then the store changes, then the entity records the change (and delivers it when READY).
   */
  private Route change(String slug, Provenance by, java.util.function.Supplier<CompletionStage<Change>> write) {
    return read(slug, tenant -> {
      if (!tenant.phase().active() || tenant.phase() == Phase.TEARING_DOWN) {
        return complete(StatusCodes.CONFLICT, error("illegal_state",
            "tenant '" + slug + "' is " + tenant.phase() + "; its secrets cannot change"));
      }
      return onComplete(write.get(), stored -> {
        if (stored.isFailure()) {
          log.warn("Secrets of tenant {} could not be stored: {}", slug, stored.failed().get().getClass().getSimpleName());
          return complete(StatusCodes.SERVICE_UNAVAILABLE, error("unavailable",
              "the secrets could not be stored; nothing was changed. Try again"));
        }
        Change c = stored.get();
        return ask(slug, r -> new TenantCommand.RecordSecretsChange(c.names(), c.version(), by, r),
            after -> json(StatusCodes.OK, Map.of("slug", slug, "names", c.names(), "version", c.version())));
      });
    });
  }

  /**
   * Reads a JSON object of name → string value into {@code values}; a problem message (naming the
   * field, never quoting a value) when it is not one.
   */
  static Optional<String> read(JsonNode body, Map<String, String> values) {
    if (!body.isObject()) {
      return Optional.of("secrets must be a JSON object of NAME: \"value\"");
    }
    if (body.size() > MAX_SECRETS) {
      return Optional.of("at most " + MAX_SECRETS + " secrets");
    }
    List<String> names = new ArrayList<>();
    body.fieldNames().forEachRemaining(names::add);
    for (String name : names) {
      if (!SecretStore.NAME.matcher(name).matches()) {
        return Optional.of(nameProblem(name));
      }
      Optional<String> problem = valueProblem(name, body.get(name));
      if (problem.isPresent()) return problem;
      values.put(name, body.get(name).asText());
    }
    return Optional.empty();
  }

  static String nameProblem(String name) {
    return "secret name '" + printable(name) + "' is not an environment-style name: upper-case letters, digits and"
        + " underscores, not starting with a digit, at most 64";
  }

  private static Optional<String> valueProblem(String name, JsonNode value) {
    if (value == null || !value.isTextual()) {
      return Optional.of("the value of secret " + name + " must be a JSON string");
    }
    String v = value.asText();
    if (v.isEmpty() || v.length() > MAX_VALUE || v.indexOf('\u0000') >= 0) {
      return Optional.of("the value of secret " + name + " must be 1 to " + MAX_VALUE + " characters, without NUL");
    }
    return Optional.empty();
  }
}
