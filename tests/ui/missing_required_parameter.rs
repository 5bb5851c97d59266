// `DBInstanceName` is required, so the client method takes it as an
// argument: leaving it out must not compile.

fn main() {
    let client = aliyun_rds::Client::new(aliyun_rds::Config::builder().build()).unwrap();
    let _request = client.activate_migration_target_instance();
}
