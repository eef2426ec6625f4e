import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** A write-only credential for a point-of-sale system: one organisation's stores, or one store. Only the SHA-256 is kept. */
@Entity({ name: 'pos_keys' })
export class PosKey {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'key_hash', type: 'text' })
  keyHash!: string;

  @Column({ name: 'key_prefix', type: 'text' })
  keyPrefix!: string;

  @Column({ name: 'org_id', type: 'uuid' })
  orgId!: string;

  /** null: every store of the organisation. */
  @Column({ name: 'store_id', type: 'text', nullable: true })
  storeId!: string | null;

  @Column({ type: 'text', nullable: true })
  name!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true })
  revokedAt!: Date | null;
}
