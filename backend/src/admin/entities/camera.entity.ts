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

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
