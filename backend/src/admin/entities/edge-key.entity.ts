import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** A per-camera ingest credential. Only the SHA-256 of the key is kept; the plaintext is shown once. */
@Entity({ name: 'edge_keys' })
export class EdgeKey {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'key_hash', type: 'text' })
  keyHash!: string;

  /** First characters of the key, so an operator can tell keys apart in a listing. */
  @Column({ name: 'key_prefix', type: 'text' })
  keyPrefix!: string;

  @Column({ name: 'org_id', type: 'uuid' })
  orgId!: string;

  @Column({ name: 'store_id', type: 'text' })
  storeId!: string;

  @Column({ name: 'camera_id', type: 'text' })
  cameraId!: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true })
  revokedAt!: Date | null;

  @Column({ name: 'last_used_at', type: 'timestamptz', nullable: true })
  lastUsedAt!: Date | null;
}
