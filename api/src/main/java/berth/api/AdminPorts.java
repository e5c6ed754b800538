package berth.api;

import berth.account.AccountCredentials;
import berth.audit.AuditLog;
import berth.tenant.LogArchive;
import berth.tenant.SecretStore;
import berth.tenant.TenantDirectory;
import berth.tenant.TenantDriver;

/**
 * What the admin API reaches beyond the entities: the read model, kept container output, tenant
 * secrets, account credentials, the driver (for the live tail of a container's output), and the audit trail.
 */
public record AdminPorts(TenantDirectory directory, LogArchive logs, SecretStore secrets,
    AccountCredentials credentials, TenantDriver driver, AuditLog audit) {}
