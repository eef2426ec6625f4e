import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';
import type { OpeningHours } from '../admin.dto.ts';

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

  /** Store-local opening hours per weekday (null: the day runs from local midnight, no close-out). */
  @Column({ name: 'opening_hours', type: 'jsonb', nullable: true })
  openingHours!: OpeningHours | null;

  /** How many people the store may hold (null: unknown, no utilisation). */
  @Column({ type: 'int', nullable: true })
  capacity!: number | null;

  /** Disabled: its keys are refused (403), its history stays readable. */
  @Column({ name: 'disabled_at', type: 'timestamptz', nullable: true })
  disabledAt!: Date | null;

  /** Deleted with its data kept (DELETE …?data=keep): its keys are revoked; with data=delete the row itself goes. */
  @Column({ name: 'deleted_at', type: 'timestamptz', nullable: true })
  deletedAt!: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
