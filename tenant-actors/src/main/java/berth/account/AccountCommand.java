package berth.account;

import berth.tenant.CborSerializable;
import berth.tenant.Provenance;
import java.time.Instant;
import org.apache.pekko.actor.typed.ActorRef;

/** What an account entity is asked; every command answers with a {@link Reply}. */
public sealed interface AccountCommand extends CborSerializable {
  ActorRef<Reply> replyTo();

  record Create(String email, String displayName, Role role, Provenance by, ActorRef<Reply> replyTo)
      implements AccountCommand {}

  record ChangeRole(Role role, Provenance by, ActorRef<Reply> replyTo) implements AccountCommand {}

  record Disable(Provenance by, ActorRef<Reply> replyTo) implements AccountCommand {}

  record Enable(Provenance by, ActorRef<Reply> replyTo) implements AccountCommand {}

  record PasswordSet(Provenance by, ActorRef<Reply> replyTo) implements AccountCommand {}

  record IssueToken(String tokenId, String name, Role role, Instant expiresAt, Provenance by, ActorRef<Reply> replyTo)
      implements AccountCommand {}

  record RevokeToken(String tokenId, Provenance by, ActorRef<Reply> replyTo) implements AccountCommand {}

  record RevokeSessions(Provenance by, ActorRef<Reply> replyTo) implements AccountCommand {}

  record RecordSignIn(boolean succeeded, String address, Provenance by, ActorRef<Reply> replyTo)
      implements AccountCommand {}

  record Get(ActorRef<Reply> replyTo) implements AccountCommand {}

  sealed interface Reply extends CborSerializable {}

  record Accepted(AccountState account) implements Reply {}

  record Rejected(Reason reason, String message) implements Reply {}

  enum Reason {
    NOT_FOUND,
    ALREADY_EXISTS,
    ILLEGAL_STATE,
    /** The caller asked for more than the account's role allows. */
    FORBIDDEN
  }
}
