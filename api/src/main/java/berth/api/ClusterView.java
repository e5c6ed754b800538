package berth.api;

import berth.tenant.TenantEntity;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.stream.StreamSupport;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.cluster.ClusterEvent.CurrentClusterState;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.sharding.ShardRegion.ClusterShardingStats;
import org.apache.pekko.cluster.sharding.ShardRegion.ShardRegionStats;
import org.apache.pekko.cluster.sharding.typed.GetClusterShardingStats;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.typed.Cluster;

/**
 * The body of {@code GET /api/cluster}: the members as this node sees them (status, roles,
 * reachability, leader) and, per member, how many tenant shards and live tenant entities it hosts.
 */
final class ClusterView {
  private final ActorSystem<?> system;
  private final Duration timeout;

  ClusterView(ActorSystem<?> system, Duration timeout) {
    this.system = system;
    this.timeout = timeout;
  }

  CompletionStage<Map<String, Object>> describe() {
    CompletionStage<ClusterShardingStats> stats = AskPattern.ask(ClusterSharding.get(system).shardState(),
        replyTo -> new GetClusterShardingStats(TenantEntity.TYPE_KEY, timeout, replyTo), timeout.plusSeconds(1),
        system.scheduler());
    return stats.thenApply(this::describe);
  }

  private Map<String, Object> describe(ClusterShardingStats stats) {
    Cluster cluster = Cluster.get(system);
    CurrentClusterState state = cluster.state();
    List<Map<String, Object>> members = new ArrayList<>();
    for (Member m : state.getMembers()) {
      Map<String, Object> member = new LinkedHashMap<>();
      Address address = m.address();
      member.put("address", address.toString());
      member.put("status", m.status().toString());
      member.put("roles", m.getRoles().stream().filter(r -> !r.startsWith("dc-")).sorted().toList());
      member.put("reachable", StreamSupport.stream(state.getUnreachable().spliterator(), false)
          .noneMatch(u -> u.address().equals(address)));
      member.put("self", address.equals(cluster.selfMember().address()));
      ShardRegionStats region = stats.getRegions().get(address);
      member.put("shards", region == null ? 0 : region.getStats().size());
      member.put("tenants", region == null ? 0
          : region.getStats().values().stream().mapToInt(n -> ((Number) n).intValue()).sum());
      members.add(member);
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("self", cluster.selfMember().address().toString());
    out.put("leader", state.getLeader() == null ? null : state.getLeader().toString());
    out.put("members", members);
    return out;
  }
}
