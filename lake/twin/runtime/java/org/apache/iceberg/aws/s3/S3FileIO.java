package org.apache.iceberg.aws.s3;

import org.apache.iceberg.hadoop.HadoopFileIO;

/**
 * Iceberg's S3 file IO, in the twin: Hadoop's file IO, whose {@code s3://} paths the twin's
 * TwinS3FileSystem maps to its S3 mirror.
 */
public class S3FileIO extends HadoopFileIO {
}
