/**
 * Balances of the emulator's accounts, in 1e-8 units, with the amounts locked by open
 * orders kept apart from the free amounts. Every mutation checks its precondition, so a
 * balance can never go negative: an order that would need more than is free is refused
 * before anything moves.
 *
 * Money that enters or leaves through trades with the emulator's own market liquidity is
 * booked against `external` (the rest of the world), and commissions against `fees`, so
 * that for every asset  sum(accounts) + fees + external  stays equal to the starting total.
 */
export interface AccountSetup {
  readonly name: string;
  readonly apiKey: string;
  readonly secret: string;
  readonly balances: ReadonlyMap<string, bigint>;
}

export interface AssetBalance {
  free: bigint;
  locked: bigint;
}

export class LedgerInvariantError extends Error {}

/** One account's balances as saved across restarts. */
export interface SavedAccount {
  readonly updateTime: number;
  readonly balances: ReadonlyMap<string, Readonly<AssetBalance>>;
}

/** The ledger as saved across restarts: balances by account name, and the fee and outside-market totals. */
export interface LedgerState {
  readonly accounts: ReadonlyMap<string, SavedAccount>;
  readonly fees: ReadonlyMap<string, bigint>;
  readonly external: ReadonlyMap<string, bigint>;
}

class Account {
  readonly balances = new Map<string, AssetBalance>();
  updateTime = 0;
  constructor(readonly name: string, readonly apiKey: string, readonly secret: string) {}

  balance(asset: string): AssetBalance {
    let entry = this.balances.get(asset);
    if (!entry) {
      entry = { free: 0n, locked: 0n };
      this.balances.set(asset, entry);
    }
    return entry;
  }
}

export class Ledger {
  private readonly byName = new Map<string, Account>();
  private readonly byApiKey = new Map<string, Account>();
  private readonly feeTotals = new Map<string, bigint>();
  private readonly externalTotals = new Map<string, bigint>();

  constructor(accounts: readonly AccountSetup[]) {
    for (const setup of accounts) {
      if (this.byName.has(setup.name)) throw new RangeError(`duplicate account name '${setup.name}'`);
      if (this.byApiKey.has(setup.apiKey)) throw new RangeError(`duplicate apiKey for account '${setup.name}'`);
      const account = new Account(setup.name, setup.apiKey, setup.secret);
      for (const [asset, amount] of setup.balances) {
        if (amount < 0n) throw new RangeError(`account '${setup.name}': starting balance of ${asset} is negative`);
        account.balance(asset).free = amount;
      }
      this.byName.set(setup.name, account);
      this.byApiKey.set(setup.apiKey, account);
    }
  }

  state(): LedgerState {
    const accounts = new Map<string, SavedAccount>();
    for (const account of this.byName.values()) {
      accounts.set(account.name, { updateTime: account.updateTime, balances: new Map([...account.balances].map(([asset, entry]) => [asset, { ...entry }])) });
    }
    return { accounts, fees: new Map(this.feeTotals), external: new Map(this.externalTotals) };
  }

  /**
   * Replaces the starting balances with saved ones. An account of the options that the saved
   * state lacks keeps its starting balances (it was added since); a saved account the options
   * no longer have is refused, since its orders and trades would have no owner.
   */
  restore(state: LedgerState): void {
    for (const [name, saved] of state.accounts) {
      const account = this.byName.get(name);
      if (!account) throw new RangeError(`account '${name}' is in the saved state but not in the venue's options (accounts: ${[...this.byName.keys()].join(', ')})`);
      account.balances.clear();
      for (const [asset, entry] of saved.balances) {
        if (entry.free < 0n || entry.locked < 0n) throw new RangeError(`account '${name}': saved balance of ${asset} is negative`);
        account.balances.set(asset, { free: entry.free, locked: entry.locked });
      }
      account.updateTime = saved.updateTime;
    }
    this.feeTotals.clear();
    for (const [asset, amount] of state.fees) this.feeTotals.set(asset, amount);
    this.externalTotals.clear();
    for (const [asset, amount] of state.external) this.externalTotals.set(asset, amount);
  }

  /** The account owning an API key, with its secret, or undefined for an unknown key. */
  credentials(apiKey: string): { name: string; secret: string } | undefined {
    const account = this.byApiKey.get(apiKey);
    return account ? { name: account.name, secret: account.secret } : undefined;
  }

  balances(accountName: string): ReadonlyMap<string, Readonly<AssetBalance>> {
    return this.account(accountName).balances;
  }

  balance(accountName: string, asset: string): Readonly<AssetBalance> {
    return { ...this.account(accountName).balance(asset) };
  }

  updateTime(accountName: string): number {
    return this.account(accountName).updateTime;
  }

  /** Moves `amount` from free to locked; false (and nothing moves) if not enough is free. */
  lock(accountName: string, asset: string, amount: bigint, time: number): boolean {
    const account = this.account(accountName);
    const entry = account.balance(asset);
    if (amount < 0n || entry.free < amount) return false;
    entry.free -= amount;
    entry.locked += amount;
    account.updateTime = time;
    return true;
  }

  unlock(accountName: string, asset: string, amount: bigint, time: number): void {
    const account = this.account(accountName);
    const entry = account.balance(asset);
    this.require(amount >= 0n && entry.locked >= amount, `unlock ${amount} ${asset} of '${accountName}' exceeds locked ${entry.locked}`);
    entry.locked -= amount;
    entry.free += amount;
    account.updateTime = time;
  }

  /** Removes `amount` from the locked part (it is being paid away). */
  spendLocked(accountName: string, asset: string, amount: bigint, time: number): void {
    const account = this.account(accountName);
    const entry = account.balance(asset);
    this.require(amount >= 0n && entry.locked >= amount, `spend ${amount} ${asset} of '${accountName}' exceeds locked ${entry.locked}`);
    entry.locked -= amount;
    account.updateTime = time;
  }

  credit(accountName: string, asset: string, amount: bigint, time: number): void {
    this.require(amount >= 0n, `credit of negative amount ${amount} ${asset}`);
    const account = this.account(accountName);
    account.balance(asset).free += amount;
    account.updateTime = time;
  }

  collectFee(asset: string, amount: bigint): void {
    this.feeTotals.set(asset, (this.feeTotals.get(asset) ?? 0n) + amount);
  }

  /** The outside market received (positive) or paid (negative) `amount`. */
  bookExternal(asset: string, amount: bigint): void {
    this.externalTotals.set(asset, (this.externalTotals.get(asset) ?? 0n) + amount);
  }

  feesCollected(asset: string): bigint {
    return this.feeTotals.get(asset) ?? 0n;
  }

  externalNet(asset: string): bigint {
    return this.externalTotals.get(asset) ?? 0n;
  }

  /** sum over accounts (free + locked) + fees + external: constant for every asset. */
  conservedTotal(asset: string): bigint {
    let total = this.feesCollected(asset) + this.externalNet(asset);
    for (const account of this.byName.values()) {
      const entry = account.balances.get(asset);
      if (entry) total += entry.free + entry.locked;
    }
    return total;
  }

  private account(name: string): Account {
    const account = this.byName.get(name);
    if (!account) throw new RangeError(`unknown account '${name}'`);
    return account;
  }

  private require(condition: boolean, message: string): void {
    if (!condition) throw new LedgerInvariantError(message);
  }
}
