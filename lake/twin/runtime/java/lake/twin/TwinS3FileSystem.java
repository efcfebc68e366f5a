package lake.twin;

import java.io.File;
import java.io.FileNotFoundException;
import java.io.FileOutputStream;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.apache.hadoop.fs.permission.FsPermission;

/**
 * The twin's S3 inside Spark: {@code s3://bucket/key} is the file {@code <root>/bucket/key}, where
 * {@code <root>} ({@code fs.s3.twin.root}) is the folder the twin mirrors moto's S3 into around each
 * Glue job run. Statuses and listings keep {@code s3://} paths, so Iceberg metadata and Spark
 * outputs name S3 locations as they would on AWS. No checksum files (a raw file system).
 * Local rename is atomic where S3's is not.
 *
 * <p>What Spark reads is recorded for the access proof (writes reach moto as the job's own S3 calls
 * after the run): each distinct read as one line {@code <op>\t<bucket>\t<key or prefix>} in the file
 * {@code fs.s3.twin.reads} names, with the S3 request S3A would make: {@code GetObject} (open),
 * {@code HeadObject} (the status of a file), {@code List} (a listing, or the status of a folder or of
 * a missing path: S3A asks HEAD, then LIST).
 */
public class TwinS3FileSystem extends RawLocalFileSystem {
    private static final Set<String> RECORDED = new HashSet<>();
    private URI uri;
    private File root;
    private String reads;

    @Override
    public void initialize(URI name, Configuration conf) throws IOException {
        super.initialize(name, conf);
        String configured = conf.get("fs.s3.twin.root");
        if (configured == null) {
            throw new IOException("fs.s3.twin.root is not set");
        }
        root = new File(configured);
        reads = conf.get("fs.s3.twin.reads");
        uri = URI.create(name.getScheme() + "://" + name.getAuthority() + "/");
        // A bucket's root always exists on S3, even with no object in the mirror yet.
        new File(root, name.getAuthority()).mkdirs();
    }

    @Override
    public URI getUri() {
        if (uri == null) {  // RawLocalFileSystem's constructor qualifies its working directory
            return super.getUri();
        }
        return uri;
    }

    @Override
    public String getScheme() {
        return uri.getScheme();
    }

    @Override
    public Path getWorkingDirectory() {
        if (uri == null) {  // RawLocalFileSystem's constructor asks before initialize()
            return super.getWorkingDirectory();
        }
        return new Path(uri);
    }

    @Override
    public Path getHomeDirectory() {
        return getWorkingDirectory();
    }

    @Override
    public void setWorkingDirectory(Path dir) {
        if (uri == null) {
            super.setWorkingDirectory(dir);
        }
        // S3 has no working directory; every path the jobs use is absolute.
    }

    private Path qualified(Path p) {
        URI u = p.toUri();
        String path = u.getPath() == null || u.getPath().isEmpty() ? "/" : u.getPath();
        return new Path(uri.getScheme(), uri.getAuthority(), path);
    }

    @Override
    public File pathToFile(Path path) {
        Path q = qualified(path);
        return new File(new File(root, uri.getAuthority()), q.toUri().getPath());
    }

    private void record(String op, Path p, boolean folder) throws IOException {
        if (reads == null) {
            return;
        }
        String key = qualified(p).toUri().getPath().replaceFirst("^/+", "");
        if (folder && !key.isEmpty() && !key.endsWith("/")) {
            key += "/";
        }
        String line = op + "\t" + uri.getAuthority() + "\t" + key + "\n";
        synchronized (RECORDED) {
            if (RECORDED.add(reads + line)) {
                try (FileOutputStream out = new FileOutputStream(reads, true)) {
                    out.write(line.getBytes(StandardCharsets.UTF_8));
                }
            }
        }
    }

    @Override
    public FSDataInputStream open(Path f, int bufferSize) throws IOException {
        record("GetObject", f, false);
        return super.open(f, bufferSize);
    }

    @Override
    public FileStatus getFileStatus(Path f) throws IOException {
        File file = pathToFile(f);
        if (file.isFile()) {
            record("HeadObject", f, false);
        } else {
            if (!file.exists()) {
                record("HeadObject", f, false);
            }
            record("List", f, true);
        }
        return status(f);
    }

    private FileStatus status(Path f) throws IOException {
        File file = pathToFile(f);
        if (!file.exists()) {
            throw new FileNotFoundException("No such file or directory: " + qualified(f));
        }
        boolean dir = file.isDirectory();
        return new FileStatus(dir ? 0 : file.length(), dir, 1, getDefaultBlockSize(f), file.lastModified(),
                file.lastModified(), dir ? FsPermission.getDirDefault() : FsPermission.getFileDefault(),
                "twin", "twin", qualified(f));
    }

    @Override
    public FileStatus getFileLinkStatus(Path f) throws IOException {
        return getFileStatus(f);
    }

    @Override
    public FileStatus[] listStatus(Path f) throws IOException {
        File local = pathToFile(f);
        record("List", f, true);
        if (!local.exists()) {
            throw new FileNotFoundException("No such file or directory: " + qualified(f));
        }
        if (!local.isDirectory()) {
            return new FileStatus[] {status(f)};
        }
        String[] names = local.list();
        if (names == null) {
            throw new IOException("cannot list " + qualified(f));
        }
        List<FileStatus> out = new ArrayList<>();
        Path base = qualified(f);
        for (String name : names) {
            try {
                out.add(status(new Path(base, name)));  // a listing's entries need no request of their own
            } catch (FileNotFoundException gone) {
                // removed between list and stat: S3 listings are not snapshots either
            }
        }
        return out.toArray(new FileStatus[0]);
    }
}
