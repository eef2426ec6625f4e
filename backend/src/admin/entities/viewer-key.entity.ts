import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** A per-organisation read credential for dashboards and analytics. Only the SHA-256 is kept; the plaintext is shown once. */
@Entity({ name: 'viewer_keys' })
export class ViewerKey {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'key_hash', type: 'text' })
  keyHash!: string;

  /** First characters of the key, so an operator can tell keys apart in a listing. */
  @Column({ name: 'key_prefix', type: 'text' })
  keyPrefix!: string;

  @Column({ name: 'org_id', type: 'uuid' })
  orgId!: string;

  /** Only 'viewer' today; a column so that a later role needs no new table. */
  @Column({ type: 'text' })
  role!: 'viewer';

  @Column({ type: 'text', nullable: true })
  name!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true })
  revokedAt!: Date | null;
}
