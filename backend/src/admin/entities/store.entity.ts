import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/** Stores are addressed by their human `store_id` everywhere, so it is the key itself. */
@Entity({ name: 'stores' })
export class Store {
  @PrimaryColumn({ name: 'store_id', type: 'text' })
  storeId!: string;

  @Column({ name: 'org_id', type: 'uuid' })
  orgId!: string;

  @Column({ type: 'text' })
  name!: string;

  /** IANA zone; the business day of a store starts at its local midnight. */
  @Column({ type: 'text' })
  timezone!: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
