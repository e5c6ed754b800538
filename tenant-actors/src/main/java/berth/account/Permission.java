package berth.account;

/** One kind of admin API action; {@link Role} says who holds it. */
public enum Permission {
  /** Tenants, their events, their secrets' names, the cluster. */
  READ_FLEET,
  /** The container output Berth keeps of a tenant (may hold whatever the tenant printed). */
  READ_LOGS,
  /** Create, tear down, retry, restore, purge tenants; set and delete their secrets. */
  MANAGE_TENANTS,
  /** SSO handoff: signs the caller into a tenant as its administrator. */
  SIGN_IN_TO_TENANTS,
  /** List accounts and their tokens' metadata. */
  READ_ACCOUNTS,
  /** Create accounts, change roles, disable accounts, revoke anyone's sessions and tokens. */
  MANAGE_ACCOUNTS,
  /** Read and export the audit trail. */
  READ_AUDIT,
  /** Issue, list and revoke one's own API tokens. */
  OWN_TOKENS
}
