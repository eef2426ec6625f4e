import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';
import type { Capability } from '../../../../shared/src/events.ts';

/** A camera_id is unique within its store only, hence the composite key. */
@Entity({ name: 'cameras' })
export class Camera {
  @PrimaryColumn({ name: 'store_id', type: 'text' })
  storeId!: string;

  @PrimaryColumn({ name: 'camera_id', type: 'text' })
  cameraId!: string;

  @Column({ type: 'text' })
  name!: string;

  @Column({ type: 'text', array: true })
  capabilities!: Capability[];

  /** Disabled: its keys are refused (403), its history stays readable. */
  @Column({ name: 'disabled_at', type: 'timestamptz', nullable: true })
  disabledAt!: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
