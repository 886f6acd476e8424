import type { MigrationContext } from '../core/db/migrator';

/**
 * MySQL: crm_pool_claim, a pool claim in one round trip (core/pool/operations.ts claimByCall). In a claim storm a
 * claim's cost is its round trips: each one is a socket write and a wake-up on both sides. This runs the same
 * decisions as the TypeScript path (used on SQLite and inside a caller's transaction) server-side:
 * 1. Without locks: the customer (NOT_FOUND / already mine / taken), its pool's rules (the pool's stored
 *    overrides, the defaults passed in from core/pool/rules.ts), and this rep's last loss of it (the cooldown).
 * 2. A transaction: the rep's row FOR UPDATE (their limits hold under concurrent claims), the held and daily
 *    limits, the conditional UPDATE that takes the customer (of two reps exactly one wins), the rep's counters,
 *    the pool event and the audit row (the row recordAudit writes).
 * 3. One answer row: the outcome and the customer (won), or what the refusal has to explain.
 * Any error rolls the transaction back and is raised again (deadlocks are retried by the caller).
 * SQLite has no stored procedures; nothing to do there.
 */
const CREATE = `
CREATE PROCEDURE crm_pool_claim(
  IN p_customer INT, IN p_user INT, IN p_now DATETIME(3), IN p_day VARCHAR(10), IN p_channel VARCHAR(16),
  IN p_default_pool INT, IN p_def_max_held INT, IN p_def_max_day INT, IN p_def_cooldown INT)
BEGIN
  DECLARE v_found INT DEFAULT 0;
  DECLARE v_owner, v_pool, v_team, v_held, v_today, v_max_held, v_max_day, v_cooldown, v_max INT DEFAULT NULL;
  DECLARE v_status VARCHAR(16);
  DECLARE v_day VARCHAR(10);
  DECLARE v_name VARCHAR(100);
  DECLARE v_lost DATETIME(3);
  DECLARE v_no_user INT DEFAULT 0;
  DECLARE v_outcome VARCHAR(16) DEFAULT 'won';
  DECLARE CONTINUE HANDLER FOR NOT FOUND SET v_no_user = 1;
  DECLARE EXIT HANDLER FOR SQLEXCEPTION BEGIN ROLLBACK; RESIGNAL; END;

  SELECT COUNT(*), MAX(owner_id), MAX(status), MAX(pool_id) INTO v_found, v_owner, v_status, v_pool FROM customers WHERE id = p_customer;
  IF v_found = 0 OR v_status <> 'active' THEN SET v_outcome = 'missing';
  ELSEIF v_owner = p_user THEN SET v_outcome = 'mine';
  ELSEIF v_owner IS NOT NULL THEN SET v_outcome = 'taken';
  ELSE
    SET v_pool = COALESCE((SELECT id FROM pools WHERE id = v_pool), p_default_pool);
    SELECT COALESCE(MAX(CAST(JSON_EXTRACT(rules, '$.maxHeld') AS SIGNED)), p_def_max_held),
           COALESCE(MAX(CAST(JSON_EXTRACT(rules, '$.maxClaimsPerDay') AS SIGNED)), p_def_max_day),
           COALESCE(MAX(CAST(JSON_EXTRACT(rules, '$.cooldownDays') AS SIGNED)), p_def_cooldown)
      INTO v_max_held, v_max_day, v_cooldown FROM pools WHERE id = v_pool;
    SELECT MAX(created_at) INTO v_lost FROM pool_events
      WHERE customer_id = p_customer AND user_id = p_user AND action IN ('release', 'recycle', 'lose');
    IF v_lost IS NOT NULL AND v_cooldown > 0 AND v_lost + INTERVAL v_cooldown DAY > p_now THEN SET v_outcome = 'cooldown';
    ELSE
      START TRANSACTION;
      SELECT held_count, claims_day, claims_today, team_id, name INTO v_held, v_day, v_today, v_team, v_name FROM users WHERE id = p_user FOR UPDATE;
      SET v_today = IF(v_day = p_day, v_today, 0);
      IF v_no_user = 1 THEN SET v_outcome = 'no_user';
      ELSEIF v_held >= v_max_held THEN SET v_outcome = 'held', v_max = v_max_held;
      ELSEIF v_today >= v_max_day THEN SET v_outcome = 'daily', v_max = v_max_day;
      ELSE
        UPDATE customers SET owner_id = p_user, team_id = v_team, claimed_at = p_now, updated_at = p_now
          WHERE id = p_customer AND owner_id IS NULL AND status = 'active';
        IF ROW_COUNT() = 0 THEN
          SELECT COUNT(*), MAX(owner_id), MAX(status) INTO v_found, v_owner, v_status FROM customers WHERE id = p_customer;
          SET v_outcome = IF(v_found = 0 OR v_status <> 'active', 'missing', IF(v_owner = p_user, 'mine', 'taken'));
        ELSE
          UPDATE users SET held_count = held_count + 1, claims_day = p_day, claims_today = v_today + 1 WHERE id = p_user;
          INSERT INTO pool_events (pool_id, customer_id, action, user_id, actor_id, created_at) VALUES (v_pool, p_customer, 'claim', p_user, p_user, p_now);
          INSERT INTO audit_log (actor_type, actor_id, action, entity_type, entity_id, channel, data, created_at)
            VALUES ('user', p_user, 'pool.claim', 'customer', p_customer, p_channel, JSON_OBJECT('poolId', v_pool), p_now);
        END IF;
      END IF;
      COMMIT; -- a refusal wrote nothing; this ends the transaction and releases the rep's row
    END IF;
  END IF;
  IF v_outcome = 'won' THEN
    SELECT 'won' AS outcome, v_name AS me_name, c.* FROM customers c WHERE c.id = p_customer;
  ELSE
    SELECT v_outcome AS outcome, v_max AS max, v_lost AS lost, v_cooldown AS cooldown_days;
  END IF;
END`;

export async function up({ sequelize, dialect }: MigrationContext): Promise<void> {
  if (dialect !== 'mysql') return;
  await sequelize.query('DROP PROCEDURE IF EXISTS crm_pool_claim');
  await sequelize.query(CREATE);
}

export async function down({ sequelize, dialect }: MigrationContext): Promise<void> {
  if (dialect !== 'mysql') return;
  await sequelize.query('DROP PROCEDURE IF EXISTS crm_pool_claim');
}
