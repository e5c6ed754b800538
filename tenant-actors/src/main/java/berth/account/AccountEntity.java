package berth.account;

import berth.account.AccountCommand.Accepted;
import berth.account.AccountCommand.ChangeRole;
import berth.account.AccountCommand.Create;
import berth.account.AccountCommand.Disable;
import berth.account.AccountCommand.Enable;
import berth.account.AccountCommand.Get;
import berth.account.AccountCommand.IssueToken;
import berth.account.AccountCommand.PasswordSet;
import berth.account.AccountCommand.Reason;
import berth.account.AccountCommand.RecordSignIn;
import berth.account.AccountCommand.Rejected;
import berth.account.AccountCommand.Reply;
import berth.account.AccountCommand.RevokeSessions;
import berth.account.AccountCommand.RevokeToken;
import berth.account.AccountEvent.AccountCreated;
import berth.account.AccountEvent.AccountDisabled;
import berth.account.AccountEvent.AccountEnabled;
import berth.account.AccountEvent.PasswordChanged;
import berth.account.AccountEvent.RoleChanged;
import berth.account.AccountEvent.SessionsRevoked;
import berth.account.AccountEvent.SignInFailed;
import berth.account.AccountEvent.SignedIn;
import berth.account.AccountEvent.TokenIssued;
import berth.account.AccountEvent.TokenRevoked;
import java.util.Locale;
import java.util.Set;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.Entity;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.javadsl.CommandHandlerWithReply;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehaviorWithEnforcedReplies;
import org.apache.pekko.persistence.typed.javadsl.ReplyEffect;
import org.apache.pekko.persistence.typed.javadsl.RetentionCriteria;

/**
 * One operator's account, event-sourced and sharded like a tenant: one writer per account in the
 * whole cluster, every change journaled with who asked, why and when. It decides who the account is
 * and what it may do (role, disabled, its tokens' metadata); the secret halves (password hash, token
 * and session hashes) live in {@link AccountCredentials}, outside the journal. Keyed by e-mail address,
 * lower case.
 */
public final class AccountEntity extends EventSourcedBehaviorWithEnforcedReplies<AccountCommand, AccountEvent, AccountState> {

  public static final EntityTypeKey<AccountCommand> TYPE_KEY = EntityTypeKey.create(AccountCommand.class, "Account");

  /** Every event carries this tag, for the audit trail and the account list. */
  public static final String TAG = "account";

  /** Tokens an account may hold at once (revoked and expired ones do not count). */
  static final int MAX_LIVE_TOKENS = 50;

  private final String email;

  public static void init(ActorSystem<?> system) {
    ClusterSharding.get(system).init(Entity.of(TYPE_KEY, ctx -> create(ctx.getEntityId())));
  }

  public static Behavior<AccountCommand> create(String email) {
    return new AccountEntity(email);
  }

  /** The entity id of an address: its lower-case form. */
  public static String idOf(String email) {
    return email.strip().toLowerCase(Locale.ROOT);
  }

  public static PersistenceId persistenceId(String email) {
    return PersistenceId.of(TYPE_KEY.name(), email);
  }

  private AccountEntity(String email) {
    super(persistenceId(email));
    this.email = email;
  }

  @Override
  public AccountState emptyState() {
    return AccountState.empty();
  }

  @Override
  public Set<String> tagsFor(AccountEvent event) {
    return Set.of(TAG, berth.tenant.Provenance.AUDIT_TAG);
  }

  @Override
  public RetentionCriteria retentionCriteria() {
    return RetentionCriteria.snapshotEvery(50, 2);
  }

  @Override
  public EventHandler<AccountState, AccountEvent> eventHandler() {
    return newEventHandlerBuilder().forAnyState().onAnyEvent(AccountState::apply);
  }

  @Override
  public CommandHandlerWithReply<AccountCommand, AccountEvent, AccountState> commandHandler() {
    var b = newCommandHandlerWithReplyBuilder();
    b.forState(s -> !s.exists())
        .onCommand(Create.class, (s, c) -> Effect().persist(new AccountCreated(email, c.displayName(), c.role(), c.by()))
            .thenReply(c.replyTo(), Accepted::new))
        .onAnyCommand((s, c) -> Effect().reply(c.replyTo(),
            new Rejected(Reason.NOT_FOUND, "no account '" + email + "'")));
    b.forState(AccountState::exists)
        .onCommand(Create.class, (s, c) -> Effect().reply(c.replyTo(),
            new Rejected(Reason.ALREADY_EXISTS, "an account '" + email + "' exists already")))
        .onCommand(Get.class, (s, c) -> Effect().reply(c.replyTo(), new Accepted(s)))
        .onCommand(ChangeRole.class, (s, c) -> s.role() == c.role() ? accept(s, c.replyTo())
            : persist(new RoleChanged(s.role(), c.role(), c.by()), c.replyTo()))
        .onCommand(Disable.class, (s, c) -> s.disabled() ? accept(s, c.replyTo())
            : persist(new AccountDisabled(c.by()), c.replyTo()))
        .onCommand(Enable.class, (s, c) -> !s.disabled() ? accept(s, c.replyTo())
            : persist(new AccountEnabled(c.by()), c.replyTo()))
        .onCommand(PasswordSet.class, (s, c) -> persist(new PasswordChanged(c.by()), c.replyTo()))
        .onCommand(IssueToken.class, this::issue)
        .onCommand(RevokeToken.class, (s, c) -> {
          AccountState.Token t = s.token(c.tokenId());
          if (t == null) return Effect().reply(c.replyTo(), new Rejected(Reason.NOT_FOUND, "no token '" + c.tokenId() + "'"));
          return t.revokedAt() != null ? accept(s, c.replyTo()) : persist(new TokenRevoked(c.tokenId(), c.by()), c.replyTo());
        })
        .onCommand(RevokeSessions.class, (s, c) -> persist(new SessionsRevoked(c.by()), c.replyTo()))
        .onCommand(RecordSignIn.class, (s, c) -> persist(c.succeeded()
            ? new SignedIn(c.address(), c.by()) : new SignInFailed(c.address(), c.by()), c.replyTo()));
    return b.build();
  }

  private ReplyEffect<AccountEvent, AccountState> issue(AccountState s, IssueToken c) {
    if (s.disabled()) {
      return Effect().reply(c.replyTo(), new Rejected(Reason.ILLEGAL_STATE, "the account is disabled"));
    }
    if (!s.role().covers(c.role())) {
      return Effect().reply(c.replyTo(), new Rejected(Reason.FORBIDDEN,
          "a token's role is bounded by its account's: '" + s.role().wire() + "' cannot issue '" + c.role().wire() + "'"));
    }
    long live = s.tokens().stream().filter(t -> t.usableAt(c.by().at())).count();
    if (live >= MAX_LIVE_TOKENS) {
      return Effect().reply(c.replyTo(), new Rejected(Reason.ILLEGAL_STATE,
          "the account holds " + MAX_LIVE_TOKENS + " live tokens already; revoke one first"));
    }
    if (s.token(c.tokenId()) != null) {
      return Effect().reply(c.replyTo(), new Rejected(Reason.ALREADY_EXISTS, "token id in use"));
    }
    return persist(new TokenIssued(c.tokenId(), c.name(), c.role(), c.expiresAt(), c.by()), c.replyTo());
  }

  private ReplyEffect<AccountEvent, AccountState> persist(AccountEvent event, org.apache.pekko.actor.typed.ActorRef<Reply> replyTo) {
    return Effect().persist(event).thenReply(replyTo, Accepted::new);
  }

  private ReplyEffect<AccountEvent, AccountState> accept(AccountState s, org.apache.pekko.actor.typed.ActorRef<Reply> replyTo) {
    return Effect().reply(replyTo, new Accepted(s));
  }
}
